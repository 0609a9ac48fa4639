"""Append to the audit trail, chain it, seal and publish its head outside the database, verify all.

Appending takes no lock another transaction waits for (issue 9): `audit_record` only INSERTs the
record with a MAC of its content and id under settings.AUDIT_KEY, which the database never holds.
`audit_chain`, the sequencer (Celery beat every 5 seconds, one run at a time by an advisory lock),
appends the records not yet chained to the insert-only `AuditLink` table in batches: each link's
hash is an HMAC over its number, the record's MAC and the hash before it. Chain order is the
sequencer's: a record that commits late gets a later number. Whoever owns the tables can disable
the triggers and rewrite rows, but cannot recompute a MAC or a chain that verifies; a truncation or
a rollback leaves a shorter chain that still verifies, so `audit_seal` appends the head (number,
hash, time), signed with the same key, to a file outside the database every 10 minutes, the heads
are published (/open/audit-heads.json, audit/views.py), and `audit_verify` holds the chain against
the seals and against any published copy someone kept.
"""

from __future__ import annotations

import collections
import datetime as dt
import hashlib
import hmac
import json
import os
import urllib.request
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from audit.context import current_actor
from audit.models import AuditLink, AuditRecord
from core.keys import derived_key

GENESIS = "0" * 64
SCHEME_SHA256 = 1  # chained at append, plain SHA-256 (before the audit key): verified, never written
SCHEME_HMAC = 2  # chained at append, HMAC-SHA256 under AUDIT_KEY (before issue 9): verified, never written
SCHEME_MAC = 3  # the record's own MAC at append, chained by the sequencer
SEAL_FILE = "seals.jsonl"
CHAIN_BATCH = 5000
PUBLISHED_HEADS = 1000  # the newest sealed heads on the public JSON and the staff page
# A label of our own: the derived key is neither SECRET_KEY nor any other key derived from it.
_PURPOSE = b"indigo.audit: the audit trail's hash chain and seals"
# pg_try_advisory_xact_lock's key: one sequencer run at a time.
_SEQUENCER_LOCK = int.from_bytes(hashlib.sha256(b"indigo.audit.sequencer").digest()[:8], "big", signed=True)


def audit_key() -> bytes:
    """The chain's key: from AUDIT_KEY, or from SECRET_KEY while that is empty (the demo)."""
    return derived_key(setting="AUDIT_KEY", label=_PURPOSE)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    return value


def _canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _content(record: AuditRecord) -> dict[str, Any]:
    return {
        "at": record.at.astimezone(dt.UTC).isoformat(),
        "actor_kind": record.actor_kind,
        "actor": record.actor,
        "action": record.action,
        "object_type": record.object_type,
        "object_id": record.object_id,
        "changes": record.changes,
        "details": record.details,
        "ip": record.ip,
        "device": record.device,
    }


def record_mac(record: AuditRecord, *, key: bytes | None = None) -> str:
    """A scheme-3 record's MAC: its content, its id (a copied row does not verify) and its scheme."""
    payload = {"id": record.pk, **_content(record), "scheme": record.scheme}
    return hmac.new(key or audit_key(), b"record:" + _canonical(payload), hashlib.sha256).hexdigest()


def legacy_hash(record: AuditRecord, *, seq: int, prev_hash: str, key: bytes | None = None) -> str:
    """A scheme-1 or -2 record's chain hash, exactly as it was computed when written."""
    payload = {"seq": seq, **_content(record), "prev_hash": prev_hash}
    if record.scheme == SCHEME_SHA256:
        return hashlib.sha256(_canonical(payload)).hexdigest()
    payload["scheme"] = record.scheme  # covered too: no downgrading a record to plain SHA-256
    return hmac.new(key or audit_key(), _canonical(payload), hashlib.sha256).hexdigest()


def link_hash(*, seq: int, record_id: int, mac: str, prev_hash: str, key: bytes | None = None) -> str:
    payload = {"seq": seq, "record": record_id, "mac": mac, "prev_hash": prev_hash}
    return hmac.new(key or audit_key(), b"link:" + _canonical(payload), hashlib.sha256).hexdigest()


# Record ids are taken from the sequence a block at a time, per database connection: an append is
# then one statement, not two (at the 07:00 rush every claim appends). Ids of a block can commit out
# of order or never (a rolled-back claim); that is fine: the chain's order is the sequencer's. The
# block belongs to one live connection of one process: a new connection (another database, a
# forked worker) takes a new block, never ids its sequence may hand out again.
ID_BLOCK = 64


def _next_record_id() -> int:
    """The record's id before its INSERT, so its MAC covers it. A sequence: nobody waits."""
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        owner = (os.getpid(), id(connection.connection), connection.settings_dict["NAME"])
        block = getattr(connection, "_audit_id_block", None)
        if block is None or block[0] != owner or not block[1]:
            with connection.cursor() as cursor:
                cursor.execute("SELECT nextval(pg_get_serial_sequence('audit_auditrecord', 'id')) FROM generate_series(1, %s)", [ID_BLOCK])
                block = (owner, collections.deque(sorted(row[0] for row in cursor.fetchall())))
            connection._audit_id_block = block
        return block[1].popleft()
    with connection.cursor() as cursor:  # SQLite: writers are serialised by the database lock anyway
        cursor.execute(
            "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'audit_auditrecord'), 0),"
            " COALESCE((SELECT MAX(id) FROM audit_auditrecord), 0)) + 1"
        )
        return cursor.fetchone()[0]


def audit_record(
    *,
    action: str,
    now: dt.datetime,
    obj: models.Model | None = None,
    changes: dict[str, tuple[Any, Any]] | None = None,
    details: dict[str, Any] | None = None,
) -> AuditRecord:
    """Append one record for the current actor: one INSERT (ids come a block at a time), no lock
    another append waits for."""
    actor = current_actor()
    record = AuditRecord(
        at=now,
        actor_kind=actor.kind,
        actor=actor.label[:150],
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        changes=_jsonable({k: [before, after] for k, (before, after) in (changes or {}).items()}),
        details=_jsonable(details or {}),
        ip=actor.ip,
        device=actor.device[:200],
        scheme=SCHEME_MAC,
    )
    # No savepoint: a record belongs to its caller's transaction and rolls back with it.
    with transaction.atomic(savepoint=False):
        record.pk = _next_record_id()
        record.mac = record_mac(record)
        record.save(force_insert=True)
    return record


def audit_chain(*, now: dt.datetime, batch: int = CHAIN_BATCH) -> int:
    """The sequencer: chain every record not yet chained, in batches; the number chained.
    A second run while one is under way returns 0 at once (PostgreSQL advisory lock)."""
    chained = 0
    while True:
        with transaction.atomic():
            count = _chain_batch(now=now, batch=batch)
        if count is None:
            return chained
        chained += count
        if count < batch:
            return chained


def _chain_batch(*, now: dt.datetime, batch: int) -> int | None:
    """One batch in one transaction; None when another sequencer holds the lock."""
    on_postgresql = connection.vendor == "postgresql"
    horizon = None
    if on_postgresql:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_SEQUENCER_LOCK])
            if not cursor.fetchone()[0]:
                return None
            # Every transaction below this id has ended: its records are visible to the next statement.
            cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
            horizon = cursor.fetchone()[0]
    head = AuditLink.objects.order_by("-seq").values_list("seq", "hash", "xid_floor").first()
    seq, prev_hash, floor = head or (0, GENESIS, None)
    pending = AuditRecord.objects.filter(link__isnull=True)
    if on_postgresql:
        # Records below the floor are chained (the migration chained those without an xid): the
        # scan reads only recent records, however long the trail.
        pending = pending.filter(xid__gte=floor or 0)
    rows = list(pending.order_by("id").values_list("id", "mac")[:batch])
    if not rows:
        return 0
    # The floor rises only when this batch took everything the horizon guarantees visible.
    new_floor = horizon if len(rows) < batch else floor
    key = audit_key()
    links = []
    for record_id, mac in rows:
        seq += 1
        hash_ = link_hash(seq=seq, record_id=record_id, mac=mac, prev_hash=prev_hash, key=key)
        links.append(AuditLink(seq=seq, record_id=record_id, prev_hash=prev_hash, hash=hash_, chained_at=now, xid_floor=new_floor))
        prev_hash = hash_
    AuditLink.objects.bulk_create(links, batch_size=1000)
    return len(links)


def audit_waiting() -> int:
    """Records not chained yet (the sequencer is behind, or their transaction is still open)."""
    return AuditRecord.objects.filter(link__isnull=True).count()


def audit_seal(*, now: dt.datetime, seal_dir: str | Path | None = None) -> dict[str, Any] | None:
    """Chain what waits, then append the chain's head (number, hash, time), signed with the audit
    key, to the seal file outside the database; None while the trail is empty. Never rewritten."""
    audit_chain(now=now)
    head = AuditLink.objects.order_by("-seq").values_list("seq", "hash").first()
    if head is None:
        return None
    seal: dict[str, Any] = {"seq": head[0], "hash": head[1], "at": now.astimezone(dt.UTC).isoformat()}
    seal["mac"] = _seal_mac(seal)
    directory = Path(seal_dir or settings.AUDIT_SEAL_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    # O_APPEND: one short line per write, never interleaved; fsync: the seal survives a crash.
    fd = os.open(directory / SEAL_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, (json.dumps(seal, sort_keys=True, separators=(",", ":")) + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return seal


def _seal_mac(seal: dict[str, Any]) -> str:
    signed = {name: seal.get(name) for name in ("seq", "hash", "at")}
    return hmac.new(audit_key(), b"seal:" + _canonical(signed), hashlib.sha256).hexdigest()


def _seal_valid(seal: Any) -> bool:
    try:
        return isinstance(seal, dict) and hmac.compare_digest(str(seal.get("mac", "")), _seal_mac(seal)) and int(seal["seq"]) > 0
    except (ValueError, KeyError, TypeError):
        return False


def seals_read(seal_dir: str | Path | None = None) -> tuple[dict[int, dict[str, Any]], str | None]:
    """The seals by sealed number, or the first line that is not a valid seal."""
    path = Path(seal_dir or settings.AUDIT_SEAL_DIR) / SEAL_FILE
    seals: dict[int, dict[str, Any]] = {}
    if not path.exists():
        return seals, None
    with path.open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                seal = json.loads(line)
            except ValueError:
                seal = None
            if not _seal_valid(seal):
                return seals, f"seal file line {number} is not a seal signed with the audit key (the seal file was altered, or AUDIT_KEY changed)"
            seq = int(seal["seq"])
            if seq in seals and seals[seq]["hash"] != seal["hash"]:
                return seals, f"record #{seq} was rewritten between the seals of {seals[seq]['at']} and {seal['at']}"
            seals[seq] = seal
    return seals, None


def heads_published(*, seal_dir: str | Path | None = None, limit: int = PUBLISHED_HEADS) -> list[dict[str, Any]]:
    """The newest signed seals (number, hash, time), newest first: the file's tail only, so the
    public page costs the same after years of seals. A line that is not a valid seal is left out."""
    path = Path(seal_dir or settings.AUDIT_SEAL_DIR) / SEAL_FILE
    if not path.exists():
        return []
    with path.open("rb") as file:
        size = file.seek(0, os.SEEK_END)
        start = max(0, size - 400 * (limit + 1))  # a seal line is ~190 bytes
        file.seek(start)
        tail = file.read().decode("utf-8", errors="replace").splitlines()
    if start:
        tail = tail[1:]  # the first line read may be cut
    heads = []
    for line in reversed(tail):
        try:
            seal = json.loads(line)
        except ValueError:
            continue
        if _seal_valid(seal):
            heads.append({"seq": int(seal["seq"]), "hash": seal["hash"], "at": seal["at"]})
        if len(heads) == limit:
            break
    return heads


def published_read(source: str) -> tuple[dict[int, dict[str, Any]], str | None]:
    """A copy of /open/audit-heads.json someone kept (a file, or an http(s) address): by number."""
    try:
        if source.startswith(("http://", "https://")):
            with urllib.request.urlopen(source, timeout=30) as response:  # http(s) only, checked above
                data = json.load(response)
        else:
            data = json.loads(Path(source).read_text(encoding="utf-8"))
        rows = data["heads"] if isinstance(data, dict) else data
        heads: dict[int, dict[str, Any]] = {}
        for row in rows:
            seq, hash_, at = int(row["seq"]), str(row["hash"]), str(row["at"])
            if seq in heads and heads[seq]["hash"] != hash_:
                return heads, f"the published heads disagree on record #{seq}: it was rewritten between {heads[seq]['at']} and {at}"
            heads[seq] = {"seq": seq, "hash": hash_, "at": at}
    except (OSError, ValueError, KeyError, TypeError) as error:
        return {}, f"the published heads at {source} cannot be read: {error}"
    return heads, None


def audit_verify(*, now: dt.datetime | None = None, seal_dir: str | Path | None = None, published: str | None = None) -> tuple[int, str | None]:
    """Chain what waits, walk the chain, hold it against the seals (and a published copy of the
    heads, if given); return (records checked, the first problem or None)."""
    seals, problem = seals_read(seal_dir)
    if problem:
        return 0, problem
    witnesses = [("sealed", seals)]
    if published:
        heads, problem = published_read(published)
        if problem:
            return 0, problem
        witnesses.append(("published", heads))
    audit_chain(now=now or timezone.now())
    key = audit_key()
    expected_prev, expected_seq, scheme, checked = GENESIS, 1, SCHEME_SHA256, 0
    while True:
        links = list(AuditLink.objects.filter(seq__gte=expected_seq).order_by("seq").values_list("seq", "record_id", "prev_hash", "hash")[:2000])
        if not links:
            break
        records = AuditRecord.objects.in_bulk([link[1] for link in links])
        for seq, record_id, prev_hash, hash_ in links:
            if seq != expected_seq:
                return checked, f"record #{expected_seq} is missing (removed): the chain jumps to #{seq}"
            if prev_hash != expected_prev:
                return checked, f"record #{seq} does not link to the record before it (altered or removed)"
            record = records.get(record_id)
            if record is None:
                return checked, f"record #{seq} is missing (removed): its chain link remains"
            if record.scheme < scheme:
                return checked, f"record #{seq} was rewritten: its hash scheme {record.scheme} is older than the record before it"
            # The first record of a newer scheme failing is what a changed key looks like.
            hint = " (or AUDIT_KEY is not the key it was written with)" if record.scheme > scheme else ""
            if record.scheme == SCHEME_MAC:
                if not hmac.compare_digest(record_mac(record, key=key), record.mac):
                    return checked, f"record #{seq} was altered: its content does not match its MAC{hint}"
                if link_hash(seq=seq, record_id=record_id, mac=record.mac, prev_hash=prev_hash, key=key) != hash_:
                    return checked, f"record #{seq} was altered: its chain link does not match its hash{hint}"
            elif legacy_hash(record, seq=seq, prev_hash=prev_hash, key=key) != hash_:
                return checked, f"record #{seq} was altered: its content does not match its hash{hint}"
            for name, heads in witnesses:
                head = heads.get(seq)
                if head is not None and head["hash"] != hash_:
                    return checked, f"record #{seq} was rewritten: its hash differs from the one {name} at {head['at']}"
            expected_prev, expected_seq, scheme = hash_, seq + 1, record.scheme
            checked += 1
    for name, heads in witnesses:
        if heads and max(heads) > checked:
            head = heads[max(heads)]
            return checked, (
                f"records after #{checked} are missing: the trail was {name} at #{head['seq']} at {head['at']} "
                "(truncated or rolled back, e.g. restored from an older backup)"
            )
    # Records still waiting for the sequencer are no error, but their content must match their MAC.
    for record in AuditRecord.objects.filter(link__isnull=True).order_by("id").iterator(chunk_size=2000):
        if record.scheme != SCHEME_MAC or not hmac.compare_digest(record_mac(record, key=key), record.mac):
            return checked, f"record id {record.pk}, not chained yet, was altered: its content does not match its MAC"
    return checked, None
