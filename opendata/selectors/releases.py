"""The release protocol (SPEC §5, §8): every publication of a seat and every withdrawal, newest
first, with what became of each publication."""

from __future__ import annotations

import datetime as dt

from django.db.models import BigIntegerField, CharField, DateTimeField, F, OuterRef, Subquery, Value
from django.utils.translation import gettext, pgettext

from opendata.listing import QuerysetListing, Row
from opendata.selectors.common import choice_label, display_name, local_day_start
from placements.models import Direction, Group, Publication, Seat

EVENT_PUBLISHED, EVENT_WITHDRAWN = "published", "withdrawn"

# What became of a publication.
OUTCOME_FREE_PRIORITY = "free_priority"
OUTCOME_FREE_GENERAL = "free_general"
OUTCOME_CLAIMED = "claimed"
OUTCOME_ENROLLED = "enrolled"
OUTCOME_RELEASED_AGAIN = "released_again"
OUTCOME_WITHDRAWN = "withdrawn"

COLUMNS = (
    "event",
    "event_name",
    "at",
    "seat",
    "locality",
    "kindergarten_code",
    "kindergarten",
    "group_code",
    "group",
    "age_from",
    "age_to",
    "language",
    "language_name",
    "birth_year",
    "published_at",
    "open_at",
    "priority_until",
    "outcome",
    "outcome_name",
    "direction_number",
)


def _outcome_names() -> dict[str, str]:
    return {
        OUTCOME_FREE_PRIORITY: gettext("still free, priority access"),
        OUTCOME_FREE_GENERAL: gettext("still free, general access"),
        OUTCOME_CLAIMED: gettext("claimed: direction issued"),
        OUTCOME_ENROLLED: gettext("child enrolled"),
        OUTCOME_RELEASED_AGAIN: gettext("direction ended: the seat was released again"),
        OUTCOME_WITHDRAWN: gettext("withdrawn by the kindergarten"),
    }


def _seat_columns(path: str) -> dict:
    """The same columns, under the same names and in the same order, from a publication (path
    `seat__`) or from a seat (path ``): the two halves of one UNION."""
    return {
        "r_seat": F(f"{path}id") if path else F("id"),
        "r_birth_year": F(f"{path}birth_year"),
        "r_locality_name": F(f"{path}group__kindergarten__locality__name"),
        "r_locality_name_kk": F(f"{path}group__kindergarten__locality__name_kk"),
        "r_kindergarten_code": F(f"{path}group__kindergarten__code"),
        "r_kindergarten_name": F(f"{path}group__kindergarten__name"),
        "r_kindergarten_name_kk": F(f"{path}group__kindergarten__name_kk"),
        "r_group_code": F(f"{path}group__code"),
        "r_group_name": F(f"{path}group__name"),
        "r_group_name_kk": F(f"{path}group__name_kk"),
        "r_age_from": F(f"{path}group__age_from"),
        "r_age_to": F(f"{path}group__age_to"),
        "r_language": F(f"{path}group__language"),
        "r_seat_state": F(f"{path}state"),
    }


def releases(
    *,
    now: dt.datetime,
    locality: str | None = None,
    kindergarten: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    event: str | None = None,
) -> QuerysetListing:
    """Publications and withdrawals in one list (one UNION query), filtered by locality and
    kindergarten codes and by local dates of the event (both days included)."""
    latest_direction = Direction.objects.filter(publication=OuterRef("pk")).order_by("-id")
    published = Publication.objects.values(
        r_event=Value(EVENT_PUBLISHED, output_field=CharField()),
        r_at=F("bulletin__published_at"),
        **_seat_columns("seat__"),
        r_published_at=F("bulletin__published_at"),
        r_open_at=F("open_at"),
        r_priority_until=F("priority_until"),
        r_direction_number=Subquery(latest_direction.values("number")[:1], output_field=BigIntegerField()),
        r_direction_status=Subquery(latest_direction.values("status")[:1], output_field=CharField()),
    )
    withdrawn = Seat.objects.filter(withdrawn_at__isnull=False).values(
        r_event=Value(EVENT_WITHDRAWN, output_field=CharField()),
        r_at=F("withdrawn_at"),
        **_seat_columns(""),
        r_published_at=Value(None, output_field=DateTimeField()),
        r_open_at=Value(None, output_field=DateTimeField()),
        r_priority_until=Value(None, output_field=DateTimeField()),
        r_direction_number=Value(None, output_field=BigIntegerField()),
        r_direction_status=Value(None, output_field=CharField()),
    )
    if locality:
        published = published.filter(seat__group__kindergarten__locality__code=locality)
        withdrawn = withdrawn.filter(group__kindergarten__locality__code=locality)
    if kindergarten:
        published = published.filter(seat__group__kindergarten__code=kindergarten)
        withdrawn = withdrawn.filter(group__kindergarten__code=kindergarten)
    if date_from:
        published = published.filter(bulletin__published_at__gte=local_day_start(date_from))
        withdrawn = withdrawn.filter(withdrawn_at__gte=local_day_start(date_from))
    if date_to:
        end = local_day_start(date_to + dt.timedelta(days=1))
        published = published.filter(bulletin__published_at__lt=end)
        withdrawn = withdrawn.filter(withdrawn_at__lt=end)
    if event == EVENT_PUBLISHED:
        rows = published.order_by("-r_at", "-r_seat")
    elif event == EVENT_WITHDRAWN:
        rows = withdrawn.order_by("-r_at", "-r_seat")
    else:
        # The halves carry their models' default ordering: cleared, as a compound SELECT requires.
        rows = published.order_by().union(withdrawn.order_by(), all=True).order_by("-r_at", "-r_seat", "r_event")
    return QuerysetListing(rows, lambda r: release_row(r, now), COLUMNS)


def publication_outcome(r: dict, now: dt.datetime) -> str:
    """What became of one publication: its direction decides; without one, the seat's state now."""
    if r["r_event"] == EVENT_WITHDRAWN:
        return OUTCOME_WITHDRAWN
    status = r["r_direction_status"]
    if status in Direction.ACTIVE_STATUSES:
        return OUTCOME_CLAIMED
    if status == Direction.Status.ENROLLED:
        return OUTCOME_ENROLLED
    if status:  # expired, cancelled or revoked: the seat went back to `released` (SPEC §5)
        return OUTCOME_RELEASED_AGAIN
    if r["r_seat_state"] == Seat.State.WITHDRAWN:
        return OUTCOME_WITHDRAWN
    if r["r_seat_state"] in Seat.PUBLISHED_STATES:
        # SPEC §5: priority until priority_until, general from then on.
        in_priority = r["r_seat_state"] == Seat.State.PRIORITY and r["r_priority_until"] > now
        return OUTCOME_FREE_PRIORITY if in_priority else OUTCOME_FREE_GENERAL
    return OUTCOME_CLAIMED if r["r_seat_state"] in (Seat.State.CLAIMED, Seat.State.ENROLLED) else OUTCOME_RELEASED_AGAIN


def release_row(r: dict, now: dt.datetime) -> Row:
    outcome = publication_outcome(r, now)
    return {
        "event": r["r_event"],
        "event_name": pgettext("release protocol", "published") if r["r_event"] == EVENT_PUBLISHED else pgettext("release protocol", "withdrawn"),
        "at": r["r_at"],
        "seat": r["r_seat"],
        "locality": display_name(r["r_locality_name"], r["r_locality_name_kk"]),
        "kindergarten_code": r["r_kindergarten_code"],
        "kindergarten": display_name(r["r_kindergarten_name"], r["r_kindergarten_name_kk"]),
        "group_code": r["r_group_code"],
        "group": display_name(r["r_group_name"], r["r_group_name_kk"]) or r["r_group_code"],
        "age_from": r["r_age_from"],
        "age_to": r["r_age_to"],
        "language": r["r_language"],
        "language_name": choice_label(Group.GroupLanguage, r["r_language"]),
        "birth_year": r["r_birth_year"],
        "published_at": r["r_published_at"],
        "open_at": r["r_open_at"],
        "priority_until": r["r_priority_until"],
        "outcome": outcome,
        "outcome_name": _outcome_names()[outcome],
        "direction_number": r["r_direction_number"] if outcome in (OUTCOME_CLAIMED, OUTCOME_ENROLLED, OUTCOME_RELEASED_AGAIN) else None,
        "access_priority": outcome == OUTCOME_FREE_PRIORITY,
    }
