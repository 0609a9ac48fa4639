"""Append to the audit chain; seal its head outside the database; verify both.

Each record's hash covers its content and the hash before it. Since scheme 2 the hash is an
HMAC-SHA256 under settings.AUDIT_KEY, which the database never holds: whoever owns the tables can
disable the triggers and rewrite rows, but cannot recompute a chain that verifies. A truncation
or a rollback leaves a shorter chain that still verifies, so `audit_seal` writes the head (number,
hash, time), signed with the same key, to an append-only file outside the database every
10 minutes, and `audit_verify` holds the chain against every seal.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction

from audit.context import current_actor
from audit.models import AuditHead, AuditRecord
from core.keys import derived_key

GENESIS = "0" * 64
SCHEME_SHA256 = 1  # records written before the audit key: verified, never written any more
SCHEME_HMAC = 2  # HMAC-SHA256 under AUDIT_KEY
SEAL_FILE = "seals.jsonl"
# A label of our own: the derived key is neither SECRET_KEY nor any other key derived from it.
_PURPOSE = b"indigo.audit: the audit trail's hash chain and seals"


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


def record_hash(record: AuditRecord, *, key: bytes | None = None) -> str:
    """The record's hash under its own scheme; `key` defaults to the audit key."""
    payload = {
        "seq": record.seq,
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
        "prev_hash": record.prev_hash,
    }
    if record.scheme == SCHEME_SHA256:  # exactly as such records were hashed when written
        return hashlib.sha256(_canonical(payload)).hexdigest()
    payload["scheme"] = record.scheme  # covered too: no downgrading a record to plain SHA-256
    return hmac.new(key or audit_key(), _canonical(payload), hashlib.sha256).hexdigest()


def _canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def audit_record(
    *,
    action: str,
    now: dt.datetime,
    obj: models.Model | None = None,
    changes: dict[str, tuple[Any, Any]] | None = None,
    details: dict[str, Any] | None = None,
) -> AuditRecord:
    """Append one record for the current actor; the chain head's lock keeps the chain linear."""
    actor = current_actor()
    head_table = AuditHead._meta.db_table
    # No savepoint: a record belongs to its caller's transaction and rolls back with it.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        # One statement takes the head's lock and the next number; the chain stays linear.
        cursor.execute(f"UPDATE {head_table} SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
        row = cursor.fetchone()
        if row is None:
            AuditHead.objects.get_or_create(pk=1)
            cursor.execute(f"UPDATE {head_table} SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
            row = cursor.fetchone()
        seq, prev_hash = row
        record = AuditRecord(
            seq=seq,
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
            prev_hash=prev_hash,
            scheme=SCHEME_HMAC,
        )
        record.hash = record_hash(record)  # in Python: no round trip added to the append
        record.save(force_insert=True)
        cursor.execute(f"UPDATE {head_table} SET hash = %s WHERE id = 1", [record.hash])
    return record


def audit_seal(*, now: dt.datetime, seal_dir: str | Path | None = None) -> dict[str, Any] | None:
    """Append the chain's head (number, hash, time), signed with the audit key, to the seal file
    outside the database; None while the trail is empty. A seal is never rewritten."""
    head = AuditRecord.objects.order_by("-seq").values_list("seq", "hash").first()
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
                valid = isinstance(seal, dict) and hmac.compare_digest(str(seal.get("mac", "")), _seal_mac(seal))
                seq = int(seal["seq"]) if valid else 0
            except (ValueError, KeyError, TypeError):
                valid = False
            if not valid:
                return seals, f"seal file line {number} is not a seal signed with the audit key (the seal file was altered, or AUDIT_KEY changed)"
            if seq in seals and seals[seq]["hash"] != seal["hash"]:
                return seals, f"record #{seq} was rewritten between the seals of {seals[seq]['at']} and {seal['at']}"
            seals[seq] = seal
    return seals, None


def audit_verify(*, seal_dir: str | Path | None = None) -> tuple[int, str | None]:
    """Walk the chain and hold it against the seals; return (records checked, the first problem or None)."""
    seals, problem = seals_read(seal_dir)
    if problem:
        return 0, problem
    key = audit_key()
    expected_prev = GENESIS
    expected_seq = 1
    scheme = SCHEME_SHA256
    checked = 0
    for record in AuditRecord.objects.order_by("seq").iterator(chunk_size=2000):
        if record.seq != expected_seq:
            return checked, f"record #{expected_seq} is missing (removed): the chain jumps to #{record.seq}"
        if record.prev_hash != expected_prev:
            return checked, f"record #{record.seq} does not link to the record before it (altered or removed)"
        if record.scheme < scheme:
            return checked, f"record #{record.seq} was rewritten: its hash scheme {record.scheme} is older than the record before it"
        if record_hash(record, key=key) != record.hash:
            # The first keyed record failing, rather than a later one, is what a changed key looks like.
            hint = " (or AUDIT_KEY is not the key it was written with)" if record.scheme > scheme else ""
            return checked, f"record #{record.seq} was altered: its content does not match its hash{hint}"
        seal = seals.get(record.seq)
        if seal is not None and seal["hash"] != record.hash:
            return checked, f"record #{record.seq} was rewritten: its hash differs from the one sealed at {seal['at']}"
        expected_prev = record.hash
        expected_seq += 1
        scheme = record.scheme
        checked += 1
    if seals and max(seals) > checked:
        seal = seals[max(seals)]
        return checked, (
            f"records after #{checked} are missing: the trail was sealed at #{seal['seq']} at {seal['at']} "
            "(truncated or rolled back, e.g. restored from an older backup)"
        )
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and head.seq != checked:
        return checked, f"records after #{checked} are missing (removed): the chain head is at #{head.seq}"
    return checked, None
