"""Append to the audit chain; verify it. Called inside the services' transactions."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.db import connection, models, transaction

from audit.context import current_actor
from audit.models import AuditHead, AuditRecord

GENESIS = "0" * 64


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


def record_hash(record: AuditRecord) -> str:
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
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


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
        )
        record.hash = record_hash(record)
        record.save(force_insert=True)
        cursor.execute(f"UPDATE {head_table} SET hash = %s WHERE id = 1", [record.hash])
    return record


def audit_verify() -> tuple[int, str | None]:
    """Walk the chain; return (records checked, the first problem or None)."""
    expected_prev = GENESIS
    expected_seq = 1
    checked = 0
    for record in AuditRecord.objects.order_by("seq").iterator(chunk_size=2000):
        if record.seq != expected_seq:
            return checked, f"record #{expected_seq} is missing (removed): the chain jumps to #{record.seq}"
        if record.prev_hash != expected_prev:
            return checked, f"record #{record.seq} does not link to the record before it (altered or removed)"
        if record_hash(record) != record.hash:
            return checked, f"record #{record.seq} was altered: its content does not match its hash"
        expected_prev = record.hash
        expected_seq += 1
        checked += 1
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and head.seq != checked:
        return checked, f"records after #{checked} are missing (removed): the chain head is at #{head.seq}"
    return checked, None
