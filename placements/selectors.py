"""Reading seats and kindergartens for the public pages (SPEC §8). Set-based: a few aggregates, never one query per row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from django.db.models import Count, Q

from core.calendar import enrollment_year
from placements.models import Direction, Grant, Group, Kindergarten, Seat
from queues.models import Application, Locality

RECENT_DAYS = 5  # SPEC §8: enrolled / withdrawn "in the last 5 days", counted as 5×24 hours back from now


def portal_counters(*, now: dt.datetime, locality: Locality | None = None) -> dict[str, int]:
    """SPEC §8 counters, for one locality or for the whole portal.

    Free seats are the seats now `priority` or `general`: a priority seat whose window has passed is
    general (effective_state), so it stays counted either way.
    """
    kindergartens = Kindergarten.objects.all()
    seats = Seat.objects.filter(state__in=Seat.PUBLISHED_STATES)
    applications = Application.objects.all()
    if locality is not None:
        kindergartens = kindergartens.filter(locality=locality)
        seats = seats.filter(group__kindergarten__locality=locality)
        applications = applications.filter(locality=locality)

    since = now - dt.timedelta(days=RECENT_DAYS)
    recent = Q(status_changed_at__gt=since, status_changed_at__lte=now)
    enrolled = Q(status=Application.Status.ENROLLED) & recent
    withdrawn = Q(status=Application.Status.WITHDRAWN) & recent
    queued = Q(status=Application.Status.QUEUED)
    # One pass over the applications that matter (the (status, status_changed_at) index serves it).
    application_counts = applications.filter(queued | enrolled | withdrawn).aggregate(
        queued=Count("pk", filter=queued),
        enrolled_recently=Count("pk", filter=enrolled),
        withdrawn_recently=Count("pk", filter=withdrawn),
    )
    return {
        "kindergartens": kindergartens.count(),
        "free_seats": seats.count(),
        "queued": application_counts["queued"],
        "enrolled_recently": application_counts["enrolled_recently"],
        "withdrawn_recently": application_counts["withdrawn_recently"],
    }


# --- which seats a family may take (SPEC §7), one definition for the claim and the cabinet --------


def seats_general_q(*, now: dt.datetime) -> Q:
    """General seats: `general`, or `priority` whose window has passed (SPEC §5)."""
    return Q(state=Seat.State.GENERAL) | Q(state=Seat.State.PRIORITY, priority_until__lte=now)


def seats_priority_open_q(*, now: dt.datetime, grant_kinds: Collection[str]) -> Q:
    """Priority seats open to a holder of an open grant in their queue: open_at has come (SPEC §6)."""
    if not grant_kinds:
        return Q(pk__in=[])
    return Q(state=Seat.State.PRIORITY, open_at__lte=now, priority_until__gt=now, group__kind__in=sorted(grant_kinds))


# --- how many more seats a group can take (issue 11) ----------------------------------------------

LIVE_SEAT_STATES = ("released", "priority", "general", "claimed")  # a seat not ended: a child may still come


def group_room(*, group: Group, now: dt.datetime) -> int:
    """Issue 11: capacity − enrolled − seats not ended, never below 0.

    **Decision:** "enrolled" are the group's enrolled seats of the birth years it takes in the
    current enrollment year (SPEC §5 `age_from ≤ E − birth_year < age_to`): the children of an
    older cohort have moved up to another group, and their seats no longer fill this one."""
    year = enrollment_year(now)
    counts = Seat.objects.filter(group=group).aggregate(
        live=Count("pk", filter=Q(state__in=LIVE_SEAT_STATES)),
        enrolled=Count(
            "pk",
            filter=Q(state=Seat.State.ENROLLED, birth_year__gt=year - group.age_to, birth_year__lte=year - group.age_from),
        ),
    )
    return max(0, group.capacity - counts["live"] - counts["enrolled"])


def effective_state(seat: Seat, now: dt.datetime) -> str:
    """SPEC §5: a priority seat is general from its priority_until on, before the promotion job has run."""
    if seat.state == Seat.State.PRIORITY and seat.priority_until is not None and seat.priority_until <= now:
        return Seat.State.GENERAL
    return seat.state


def direction_effective_status(direction: Direction, now: dt.datetime) -> str:
    """SPEC §7: an active direction is expired from valid_until on, before the minute job closes it."""
    if direction.status in Direction.ACTIVE_STATUSES and direction.valid_until <= now:
        return Direction.Status.EXPIRED
    return direction.status


def open_grant_kinds(*, application: Application, now: dt.datetime) -> set[str]:
    """Queues in which the application holds an open grant at `now` (SPEC §6: from ≤ now < until)."""
    return set(Grant.objects.filter(application=application, ended_at__isnull=True, from_at__lte=now, until_at__gt=now).values_list("kind", flat=True))


def active_direction(application: Application) -> Direction | None:
    """The application's direction not yet ended (issued or waiting for the benefit check), if any."""
    return application.directions.filter(status__in=Direction.ACTIVE_STATUSES).select_related("seat__group__kindergarten").first()
