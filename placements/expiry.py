"""Expiring due directions at a country's scale (SPEC §7): a batch at a time, a few statements each."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from audit.services import audit_record
from notifications.services import messages_enqueue
from placements.models import Direction, Seat
from queues.models import Application
from queues.services import applications_requeue, strike_consequence

EXPIRE_BATCH = 500


def directions_expire(*, now: dt.datetime) -> int:
    """SPEC §7: active directions at or past valid_until expire, a batch per transaction; returns
    how many expired. Idempotent and late-safe (the minute job, run_job expire)."""
    count = 0
    while True:
        found, expired = directions_expire_batch(now=now, size=EXPIRE_BATCH)
        count += expired
        if found < EXPIRE_BATCH or not expired:
            return count


def directions_expire_batch(*, now: dt.datetime, size: int) -> tuple[int, int]:
    """Expire up to `size` due directions in one transaction; returns (found, expired).

    The same effects as `_expire` one by one: direction `expired`, its seat back to `released`
    (SPEC §5), a strike, then archived (two strikes, or over age on return: SPEC §3) or queued with
    its original filed_at; messages in one insert; one audit record per batch listing the directions.
    Directions and applications another transaction holds are skipped, never waited for: the
    application's own next action expires its direction (placements.directions.direction_active_locked,
    which waits for the lock and decides by valid_until itself), or the next run does.
    """
    with transaction.atomic():
        due = list(
            Direction.objects.select_for_update(skip_locked=True)
            .filter(status__in=Direction.ACTIVE_STATUSES, valid_until__lte=now)
            .order_by("valid_until", "id")
            .only("id", "number", "status", "seat_id", "application_id")[:size]
        )
        found = len(due)
        if not found:
            return 0, 0
        applications = {a.pk: a for a in Application.objects.select_for_update(skip_locked=True).filter(pk__in=[d.application_id for d in due]).order_by("pk")}
        due = [d for d in due if d.application_id in applications]
        if not due:
            return found, 0
        ids = [d.pk for d in due]
        Direction.objects.filter(pk__in=ids, status__in=Direction.ACTIVE_STATUSES).update(status=Direction.Status.EXPIRED, ended_at=now)
        Seat.objects.filter(pk__in=[d.seat_id for d in due], state=Seat.State.CLAIMED).update(
            state=Seat.State.RELEASED, published_at=None, open_at=None, priority_until=None, released_at=now
        )
        number_of = {d.application_id: d.number for d in due}
        expired = [applications[d.application_id] for d in due]
        # Before the requeue counts the strike: the message says what it means (issue 11).
        consequence = {a.pk: strike_consequence(application=a, now=now) for a in expired}
        messages_enqueue(
            applications=expired,
            event="direction_expired",
            now=now,
            context_for=lambda a: {"direction": number_of[a.pk], "number": a.number, **({"consequence": consequence[a.pk]} if consequence[a.pk] else {})},
        )
        audit_record(
            action="direction.expired",
            now=now,
            changes={"status": ("active", "expired"), "seat.state": (Seat.State.CLAIMED, Seat.State.RELEASED)},
            details={"directions": [[d.pk, d.number, d.status] for d in due], "seats": sorted(d.seat_id for d in due)},
        )
        applications_requeue(applications=expired, now=now, strike=True)
    return found, len(ids)
