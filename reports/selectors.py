"""Figures for the staff reports: set-based queries (one per series), never one per row."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractIsoYear, ExtractWeek

from core.calendar import ASTANA
from placements.models import Direction, SeatRelease
from queues.models import Application


@dataclass(frozen=True)
class QueueSize:
    """The queued applications of one locality and birth year, per queue kind (SPEC §3, §4)."""

    locality_code: str
    locality_name: str
    birth_year: int
    general: int
    special: int
    sanatorium: int


def queue_sizes(*, language: str, locality: str | None = None) -> list[QueueSize]:
    """SPEC §4: a queue is its `queued` applications; every one stands in `general`."""
    queued = Application.objects.filter(status=Application.Status.QUEUED)
    if locality:
        queued = queued.filter(locality__code=locality)
    rows = (
        queued.values("locality__code", "locality__name", "locality__name_kk", "birth_year")
        .annotate(
            general=Count("id"),
            special=Count("id", filter=Q(wants_special=True)),
            sanatorium=Count("id", filter=Q(wants_sanatorium=True)),
        )
        .order_by("locality__name", "locality__code", "birth_year")
    )
    return [
        QueueSize(
            locality_code=r["locality__code"],
            locality_name=r["locality__name_kk"] if language == "kk" and r["locality__name_kk"] else r["locality__name"],
            birth_year=r["birth_year"],
            general=r["general"],
            special=r["special"],
            sanatorium=r["sanatorium"],
        )
        for r in rows
    ]


@dataclass(frozen=True)
class SeatWeek:
    """One ISO week (Monday to Sunday, Astana time) of seats released, claimed, enrolled, expired."""

    monday: dt.date
    released: int  # seats released by operators (SeatRelease.count), not seats returned by ended directions
    claimed: int  # directions issued
    enrolled: int  # directions enrolled in the week
    expired: int  # directions expired in the week

    @property
    def label(self) -> str:
        year, week, _ = self.monday.isocalendar()
        return f"{year}-W{week:02d}"


def week_monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _per_week(queryset: QuerySet, moment: str, value) -> dict[tuple[int, int], int]:
    rows = (
        queryset.annotate(iso_year=ExtractIsoYear(moment, tzinfo=ASTANA), iso_week=ExtractWeek(moment, tzinfo=ASTANA))
        .values("iso_year", "iso_week")
        .annotate(value=value)
        .order_by()
    )
    return {(r["iso_year"], r["iso_week"]): r["value"] or 0 for r in rows}


def seat_weeks(*, first: dt.date, last: dt.date, locality: str | None = None) -> list[SeatWeek]:
    """Every ISO week from the one holding `first` to the one holding `last`, empty weeks included."""
    first, last = week_monday(first), week_monday(last)
    start = dt.datetime.combine(first, dt.time(), tzinfo=ASTANA)
    end = dt.datetime.combine(last + dt.timedelta(days=7), dt.time(), tzinfo=ASTANA)
    releases = SeatRelease.objects.filter(released_at__gte=start, released_at__lt=end)
    directions = Direction.objects.all()
    if locality:
        releases = releases.filter(group__kindergarten__locality__code=locality)
        directions = directions.filter(seat__group__kindergarten__locality__code=locality)
    ended = directions.filter(ended_at__gte=start, ended_at__lt=end)
    released = _per_week(releases, "released_at", Sum("count"))
    claimed = _per_week(directions.filter(issued_at__gte=start, issued_at__lt=end), "issued_at", Count("id"))
    enrolled = _per_week(ended.filter(status=Direction.Status.ENROLLED), "ended_at", Count("id"))
    expired = _per_week(ended.filter(status=Direction.Status.EXPIRED), "ended_at", Count("id"))
    weeks = []
    monday = first
    while monday <= last:
        key = tuple(monday.isocalendar())[:2]
        weeks.append(
            SeatWeek(
                monday=monday,
                released=released.get(key, 0),
                claimed=claimed.get(key, 0),
                enrolled=enrolled.get(key, 0),
                expired=expired.get(key, 0),
            )
        )
        monday += dt.timedelta(days=7)
    return weeks
