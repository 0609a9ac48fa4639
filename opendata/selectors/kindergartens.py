"""The kindergarten directory and each kindergarten's passport (SPEC §8, seeds/003: "the passport
of the kindergarten shows the number of free seats")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from opendata.listing import QuerysetListing, Row
from opendata.selectors.common import (
    ACCESS_GENERAL,
    ACCESS_PRIORITY,
    choice_label,
    current_language,
    display_name_order,
    group_languages,
    name_search_q,
    seat_access_q,
)
from opendata.selectors.free_seats import free_seats
from placements.models import Group, Kindergarten, Seat
from queues.models import QueueKind

COLUMNS = ("code", "name", "locality", "address", "phone", "groups", "capacity", "free_priority", "free_general", "free_seats")


def _free_count(access: str, now: dt.datetime) -> Coalesce:
    """Free seats of the kindergarten in one access now, as a correlated COUNT (no row fan-out)."""
    seats = (
        Seat.objects.filter(seat_access_q(access, now), state__in=Seat.PUBLISHED_STATES, group__kindergarten=OuterRef("pk"))
        .order_by()
        .values("group__kindergarten")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(seats, output_field=IntegerField()), Value(0))


def kindergartens(*, now: dt.datetime, locality: str | None = None, name: str | None = None, language: str | None = None) -> QuerysetListing:
    qs = Kindergarten.objects.select_related("locality")
    if locality:
        qs = qs.filter(locality__code=locality)
    if name:
        qs = qs.filter(name_search_q(name, "name", "name_kk"))
    if language:
        qs = qs.filter(Exists(Group.objects.filter(kindergarten=OuterRef("pk"), language__in=group_languages(language))))
    qs = qs.annotate(
        group_count=Count("groups"),
        capacity_total=Coalesce(Sum("groups__capacity"), Value(0)),
        free_priority=_free_count(ACCESS_PRIORITY, now),
        free_general=_free_count(ACCESS_GENERAL, now),
    ).order_by(display_name_order("locality__name", "locality__name_kk"), display_name_order("name", "name_kk"), "code")
    return QuerysetListing(qs, kindergarten_row, COLUMNS)


def kindergarten_row(k: Kindergarten) -> Row:
    language = current_language()
    return {
        "code": k.code,
        "name": k.display_name(language),
        "locality": k.locality.display_name(language),
        "address": k.address,
        "phone": k.phone,
        "groups": k.group_count,
        "capacity": k.capacity_total,
        "free_priority": k.free_priority,
        "free_general": k.free_general,
        "free_seats": k.free_priority + k.free_general,
    }


@dataclass(frozen=True)
class Passport:
    kindergarten: Row
    groups: list[Row]
    free_seats: list[Row]


def kindergarten_passport(*, code: str, now: dt.datetime) -> Passport | None:
    """One kindergarten: its details, its groups with the free seats of each now, and the free-seat
    registry rows of its groups (three queries)."""
    listing = kindergartens(now=now)
    kindergarten = listing.queryset.filter(code=code).first()
    if kindergarten is None:
        return None
    groups = (
        Group.objects.filter(kindergarten=kindergarten)
        .annotate(
            free_priority=Count("seats", filter=seat_access_q(ACCESS_PRIORITY, now, prefix="seats__")),
            free_general=Count("seats", filter=seat_access_q(ACCESS_GENERAL, now, prefix="seats__")),
        )
        .order_by("age_from", "age_to", "code")
    )
    return Passport(
        kindergarten=kindergarten_row(kindergarten),
        groups=[_group_row(g) for g in groups],
        free_seats=list(free_seats(now=now, kindergarten=code).rows()),
    )


def _group_row(g: Group) -> Row:
    return {
        "code": g.code,
        "name": g.display_name(current_language()),
        "age_from": g.age_from,
        "age_to": g.age_to,
        "language": g.language,
        "language_name": choice_label(Group.GroupLanguage, g.language),
        "kind": g.kind,
        "kind_name": choice_label(QueueKind, g.kind),
        "capacity": g.capacity,
        "free_priority": g.free_priority,
        "free_general": g.free_general,
    }
