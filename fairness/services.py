"""Running and keeping the fairness audit (issue 12, item 3); the replay is fairness/replay.py."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from audit.services import audit_record
from fairness.models import FairnessAudit
from fairness.replay import AuditResult, fairness_replay


def fairness_audit_run(*, first: dt.date, last: dt.date, now: dt.datetime, save: bool = True) -> tuple[AuditResult, FairnessAudit | None]:
    """Replay the days `first`…`last` and keep the result, one per period: a second run of the same
    period replaces the first (so the nightly job may run twice or late)."""
    if first > last:
        raise ValueError("the period starts after it ends")
    result = fairness_replay(first=first, last=last, now=now)
    if not save:
        return result, None
    counts = result.counts()
    values = {
        "ran_at": now,
        "bulletins_checked": result.bulletins_checked,
        "directions_checked": result.directions_checked,
        "grants_checked": result.grants_checked,
        "seats_checked": result.seats_checked,
        "directions_not_entitled": counts["direction_not_entitled"],
        "grants_out_of_order": counts["grant_out_of_order"],
        "grants_skipped": counts["grant_skipped"],
        "seats_unpublished": counts["seat_unpublished"],
        "findings": result.findings,
    }
    with transaction.atomic():
        audit, _ = FairnessAudit.objects.update_or_create(period_from=first, period_to=last, defaults=values)
        # No personal data: counts only (the findings stay in the staff-only row).
        audit_record(action="fairness.audit", obj=audit, now=now, details={"from": first, "to": last, **counts})
    return result, audit
