"""Priority-access grants (SPEC §6): reading the open ones, and ending them when their
application leaves the queue. The bulletin gives them (placements.bulletin.grants_give)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from placements.models import Grant


def grants_end(*, application_ids: Iterable[int], now: dt.datetime) -> list[int]:
    """SPEC §6: a grant ends for good when its application stops being queued. Returns the grants
    ended, for the caller's audit record to name (issue 13)."""
    ids = list(
        Grant.objects.filter(application_id__in=list(application_ids), ended_at__isnull=True, until_at__gt=now).order_by("id").values_list("id", flat=True)
    )
    if ids:
        Grant.objects.filter(pk__in=ids, ended_at__isnull=True).update(ended_at=now)
    return ids
