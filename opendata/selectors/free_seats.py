"""The free-seat registry (SPEC §8): seats now in priority or general access, counted per group,
birth year and publication window."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, F
from django.utils.translation import gettext

from opendata.listing import QuerysetListing, Row
from opendata.selectors.common import (
    ACCESS_GENERAL,
    ACCESS_PRIORITY,
    choice_label,
    display_name,
    display_name_order,
    group_languages,
    seat_access_case,
    seat_access_q,
)
from placements.models import Group, Seat
from queues.models import QueueKind

COLUMNS = (
    "locality",
    "kindergarten_code",
    "kindergarten",
    "group_code",
    "group",
    "age_from",
    "age_to",
    "language",
    "language_name",
    "kind",
    "kind_name",
    "birth_year",
    "seats",
    "open_at",
    "priority_until",
    "access",
    "access_name",
)


def access_name(access: str, open_later: bool) -> str:
    if access == ACCESS_GENERAL:
        return gettext("general access: any application of the queue")
    if open_later:
        return gettext("priority access, opens at 07:00")
    return gettext("priority access: holders of priority access only")


def free_seats(
    *,
    now: dt.datetime,
    locality: str | None = None,
    kindergarten: str | None = None,
    group: str | None = None,
    language: str | None = None,
    birth_year: int | None = None,
    access: str | None = None,
) -> QuerysetListing:
    """Published seats (`priority` or `general`) grouped by group, birth year and window; filters
    take codes. A priority seat past its priority_until counts as general (SPEC §5)."""
    seats = Seat.objects.filter(state__in=Seat.PUBLISHED_STATES)
    if locality:
        seats = seats.filter(group__kindergarten__locality__code=locality)
    if kindergarten:
        seats = seats.filter(group__kindergarten__code=kindergarten)
    if group:
        seats = seats.filter(group__code=group)
    if language:
        seats = seats.filter(group__language__in=group_languages(language))
    if birth_year:
        seats = seats.filter(birth_year=birth_year)
    if access in (ACCESS_PRIORITY, ACCESS_GENERAL):
        seats = seats.filter(seat_access_q(access, now))
    rows = (
        seats.annotate(access=seat_access_case(now))
        .values(
            "birth_year",
            "open_at",
            "priority_until",
            "access",
            locality_name=F("group__kindergarten__locality__name"),
            locality_name_kk=F("group__kindergarten__locality__name_kk"),
            kindergarten_code=F("group__kindergarten__code"),
            kindergarten_name=F("group__kindergarten__name"),
            kindergarten_name_kk=F("group__kindergarten__name_kk"),
            group_code=F("group__code"),
            group_name=F("group__name"),
            group_name_kk=F("group__name_kk"),
            age_from=F("group__age_from"),
            age_to=F("group__age_to"),
            language=F("group__language"),
            kind=F("group__kind"),
        )
        .annotate(seats=Count("id"))
        .order_by(
            display_name_order("locality_name", "locality_name_kk"),
            display_name_order("kindergarten_name", "kindergarten_name_kk"),
            "age_from",
            "group_code",
            "birth_year",
            "priority_until",
            "access",
        )
    )
    return QuerysetListing(rows, lambda r: free_seat_row(r, now), COLUMNS)


def free_seat_row(r: dict, now: dt.datetime) -> Row:
    open_later = r["open_at"] > now
    return {
        "locality": display_name(r["locality_name"], r["locality_name_kk"]),
        "kindergarten_code": r["kindergarten_code"],
        "kindergarten": display_name(r["kindergarten_name"], r["kindergarten_name_kk"]),
        "group_code": r["group_code"],
        "group": display_name(r["group_name"], r["group_name_kk"]) or r["group_code"],
        "age_from": r["age_from"],
        "age_to": r["age_to"],
        "language": r["language"],
        "language_name": choice_label(Group.GroupLanguage, r["language"]),
        "kind": r["kind"],
        "kind_name": choice_label(QueueKind, r["kind"]),
        "birth_year": r["birth_year"],
        "seats": r["seats"],
        "open_at": r["open_at"],
        "priority_until": r["priority_until"],
        "access": r["access"],
        "access_name": access_name(r["access"], open_later),
        "open_later": open_later,
    }
