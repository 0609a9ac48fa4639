"""Reads for the parent cabinet: positions with their reasons, grants, the seats a child may take
now, directions and messages of one application. The parent's own applications only: callers
fetch the application through `accounts.services.cabinet_applications`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, Min, QuerySet
from django.utils import translation

from core.calendar import calendar_load
from core.collation import name_key
from notifications.models import Event, Message
from notifications.texts import message_text
from placements.models import Direction, Grant, Group, Kindergarten, Seat
from placements.rules import EXTENSION_WINDOW_WORKING_DAYS
from placements.selectors import open_grant_kinds, seats_general_q, seats_priority_open_q
from queues.forecast import WaitForecast, application_forecasts
from queues.models import QUEUE_KIND_ORDER, Application, QueueKind
from queues.selectors import Position, application_positions, interleave_ratio

# --- grants (SPEC §6) ------------------------------------------------------------------------------


@dataclass(frozen=True)
class GrantRow:
    kind: str
    from_at: dt.datetime
    until_at: dt.datetime
    is_open: bool  # from ≤ now; otherwise it opens at from_at
    days: int
    hours: int
    minutes: int
    # Issue 11: where the grant's priority seats are — "Kindergarten (group, group)" in the page's
    # language — and how many of them are still free.
    places: tuple[str, ...] = ()
    seats: int = 0

    @property
    def kind_label(self) -> str:
        return str(QueueKind(self.kind).label)


def _remaining(until: dt.datetime, now: dt.datetime) -> tuple[int, int, int]:
    seconds = max(0, int((until - now).total_seconds()))
    minutes = -(-seconds // 60)  # round up: "0 minutes left" only when it is over
    return minutes // (24 * 60), minutes // 60 % 24, minutes % 60


def application_grants(*, application: Application, now: dt.datetime) -> list[GrantRow]:
    """The grants that have not ended (open now, or opening at 07:00), in SPEC §6 order."""
    if application.status != Application.Status.QUEUED:
        return []
    grants = list(Grant.objects.filter(application=application, ended_at__isnull=True, until_at__gt=now))
    places = _grant_places(application=application, kinds={g.kind for g in grants}, now=now) if grants else {}
    rank = {kind: i for i, kind in enumerate(QUEUE_KIND_ORDER)}
    rows = [GrantRow(g.kind, g.from_at, g.until_at, g.from_at <= now, *_remaining(g.until_at, now), *places.get(g.kind, ((), 0))) for g in grants]
    return sorted(rows, key=lambda row: (row.until_at, rank.get(row.kind, 9)))


def _grant_places(*, application: Application, kinds: set[str], now: dt.datetime) -> dict[str, tuple[tuple[str, ...], int]]:
    """Per queue kind: the kindergartens and groups whose priority seats the family's grants cover
    (SPEC §6: the priority seats of the queue), named in the page's language, and how many are free.
    The same for every family of the queue: shared for a second, as the seats page's offer is (the
    grants box is polled from 07:00)."""
    language = translation.get_language()
    parts = [application.locality_id, application.birth_year, ",".join(sorted(kinds)), language, int(now.timestamp())]
    key = "cabinet-grant-places:" + ":".join(map(str, parts))
    places = cache.get(key)
    if places is None:
        places = _queue_grant_places(locality_id=application.locality_id, birth_year=application.birth_year, kinds=kinds, language=language, now=now)
        cache.set(key, places, OFFER_CACHE_SECONDS)
    return places


def _queue_grant_places(*, locality_id: int, birth_year: int, kinds: set[str], language: str, now: dt.datetime) -> dict[str, tuple[tuple[str, ...], int]]:
    rows = (
        Seat.objects.filter(
            group__kindergarten__locality_id=locality_id,
            group__kind__in=kinds,
            birth_year=birth_year,
            state=Seat.State.PRIORITY,
            priority_until__gt=now,
        )
        .values("group_id")
        .annotate(count=Count("id"))
        .order_by()
    )
    counts = {row["group_id"]: row["count"] for row in rows}
    groups = sorted(Group.objects.filter(pk__in=counts).select_related("kindergarten"), key=lambda g: (g.kindergarten.name, g.age_from, g.code))
    out: dict[str, tuple[tuple[str, ...], int]] = {}
    for kind in kinds:
        of_kind = [g for g in groups if g.kind == kind]
        by_kindergarten: dict[int, list[Group]] = {}
        for group in of_kind:
            by_kindergarten.setdefault(group.kindergarten_id, []).append(group)
        names = tuple(
            f"{members[0].kindergarten.display_name(language)} ({', '.join(g.display_name(language) for g in members)})" for members in by_kindergarten.values()
        )
        out[kind] = (names, sum(counts[g.pk] for g in of_kind))
    return out


# --- directions (SPEC §7) --------------------------------------------------------------------------


def application_directions(application: Application) -> QuerySet[Direction]:
    return application.directions.select_related("seat__group__kindergarten").order_by("-issued_at", "-number")


def direction_extension_deadline(direction: Direction) -> dt.datetime | None:
    """Until when the parent may extend (SPEC §7: t < add_working_days(issued_at, 4)); None when
    the direction is not active or was already extended."""
    if not direction.is_active or direction.extended:
        return None
    return calendar_load().add_working_days(direction.issued_at, EXTENSION_WINDOW_WORKING_DAYS)


# --- the cabinet home --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PositionRow:
    """A position (SPEC §4) and what the page needs to explain it."""

    position: Position
    kind_label: str
    ratio: int
    forecast: WaitForecast | None = None  # issue 12: when priority access most likely reaches it


@dataclass
class ApplicationSummary:
    application: Application
    positions: list[PositionRow]
    grants: list[GrantRow]
    active_direction: Direction | None
    directions: list[Direction]


def application_summary(*, application: Application, now: dt.datetime) -> ApplicationSummary:
    directions = list(application_directions(application))
    active = next((d for d in directions if d.is_active), None)
    positions = application_positions(application)
    forecasts = application_forecasts(application=application, positions=positions, now=now)
    return ApplicationSummary(
        application=application,
        positions=[
            PositionRow(positions[kind], str(QueueKind(kind).label), interleave_ratio(), forecasts.get(kind)) for kind in QUEUE_KIND_ORDER if kind in positions
        ],
        grants=application_grants(application=application, now=now),
        active_direction=active,
        directions=directions,
    )


# --- the seats a child may take now (SPEC §7) --------------------------------------------------------


@dataclass
class GroupOffer:
    group: Group
    count: int  # seats this application may claim now
    priority_count: int  # of which priority seats (open grant)
    priority_until: dt.datetime | None  # the earliest end of priority access among them


@dataclass
class KindergartenOffer:
    kindergarten: Kindergarten
    groups: list[GroupOffer] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(g.count for g in self.groups)


@dataclass
class WaitingSeats:
    """Published seats of the child's queues it may not take now, and when that changes."""

    group: Group
    count: int
    open_at: dt.datetime
    priority_until: dt.datetime
    opens_later: bool  # True: not open yet (07:00); False: priority access of other families


@dataclass
class ClaimOffer:
    grant_kinds: set[str]
    kindergartens: list[KindergartenOffer]
    waiting: list[WaitingSeats]

    @property
    def count(self) -> int:
        return sum(k.count for k in self.kindergartens)


def _queue_seats(*, locality_id: int, birth_year: int, queue_kinds: list[str]) -> QuerySet[Seat]:
    return Seat.objects.filter(
        group__kindergarten__locality_id=locality_id,
        group__kind__in=queue_kinds,
        birth_year=birth_year,
        state__in=Seat.PUBLISHED_STATES,
    )


def claim_offer(*, application: Application, now: dt.datetime) -> ClaimOffer:
    """What `seat_claim` would give this application now, per group: general seats (a priority seat
    past its priority_until is general), plus open priority seats of the queues where it holds an
    open grant — the same conditions as placements.claims.claimable_seats, for all groups at once. Kindergartens by name,
    groups by age and code."""
    if application.status != Application.Status.QUEUED:
        return ClaimOffer(grant_kinds=set(), kindergartens=[], waiting=[])
    grant_kinds = open_grant_kinds(application=application, now=now)
    return _queue_offer(
        locality_id=application.locality_id, birth_year=application.birth_year, queue_kinds=application.queue_kinds, grant_kinds=grant_kinds, now=now
    )


def _queue_offer(*, locality_id: int, birth_year: int, queue_kinds: list[str], grant_kinds: set[str], now: dt.datetime) -> ClaimOffer:
    """The offer depends on the queue and the open grant kinds only, not on who asks: every family of
    a queue with the same grants sees the same one (what `claim_offer_cached` shares)."""
    general = seats_general_q(now=now)
    with_grant = seats_priority_open_q(now=now, grant_kinds=grant_kinds)
    seats = _queue_seats(locality_id=locality_id, birth_year=birth_year, queue_kinds=queue_kinds)
    rows = (
        seats.filter(general | with_grant)
        .values("group_id")
        .annotate(
            count=Count("id"),
            priority_count=Count("id", filter=with_grant),
        )
        .order_by()
    )
    counts = {row["group_id"]: row for row in rows}
    priority_until = dict(seats.filter(with_grant).values("group_id").annotate(first=Min("priority_until")).order_by().values_list("group_id", "first"))
    waiting_rows = (
        seats.filter(state=Seat.State.PRIORITY, priority_until__gt=now)
        .exclude(with_grant)
        .values("group_id", "open_at", "priority_until")
        .annotate(count=Count("id"))
        .order_by("open_at", "priority_until")
    )
    group_ids = set(counts) | {row["group_id"] for row in waiting_rows}
    groups = {g.pk: g for g in Group.objects.filter(pk__in=group_ids).select_related("kindergarten")}
    by_kindergarten: dict[int, KindergartenOffer] = {}
    for group_id, row in counts.items():
        group = groups[group_id]
        offer = by_kindergarten.setdefault(group.kindergarten_id, KindergartenOffer(group.kindergarten))
        offer.groups.append(GroupOffer(group, row["count"], row["priority_count"], priority_until.get(group_id)))
    kindergartens = sorted(by_kindergarten.values(), key=lambda k: name_key(str(k.kindergarten)))  # the page's language; Kazakh order, №2 before №11
    for offer in kindergartens:
        offer.groups.sort(key=lambda g: (g.group.age_from, g.group.age_to, g.group.code))
    waiting = [WaitingSeats(groups[row["group_id"]], row["count"], row["open_at"], row["priority_until"], row["open_at"] > now) for row in waiting_rows]
    return ClaimOffer(grant_kinds=grant_kinds, kindergartens=kindergartens, waiting=waiting)


# --- the rush: the seats page polled by thousands of families (issue 9) ------------------------------

OFFER_CACHE_SECONDS = 1  # seats left are at most a second old
GRANTS_CACHE_SECONDS = 60  # a family's grants change at 18:00 and when it stops being queued
CLAIM_CODE_EARLY = dt.timedelta(minutes=5)  # SPEC §9: a claim code may be asked 5 minutes before opening


@dataclass(frozen=True)
class GrantWindow:
    kind: str
    from_at: dt.datetime
    until_at: dt.datetime


def _grant_windows(application: Application, now: dt.datetime) -> list[GrantWindow]:
    """The grants that have not ended (open now or opening later), cached a minute per application."""
    key = f"cabinet-grant-windows:{application.pk}"
    windows = cache.get(key)
    if windows is None:
        grants = Grant.objects.filter(application=application, ended_at__isnull=True, until_at__gt=now).values_list("kind", "from_at", "until_at")
        windows = [GrantWindow(*row) for row in grants]
        cache.set(key, windows, GRANTS_CACHE_SECONDS)
    return windows


@dataclass
class SeatsNow:
    """The seats page at a moment: the offer, and the next opening of seats the family could take."""

    offer: ClaimOffer
    next_open_at: dt.datetime | None
    opening_groups: set[int] = field(default_factory=set)  # groups whose seats open for this family later


def seats_now(*, application: Application, now: dt.datetime) -> SeatsNow:
    """The seats page's data, cheap under polling: the offer is shared for a second by every family
    of the queue with the same open grant kinds (SPEC §6 grants are per queue), so 10,000 families
    polling cost about one count a second per queue, plus their own small reads."""
    if application.status != Application.Status.QUEUED:
        return SeatsNow(ClaimOffer(grant_kinds=set(), kindergartens=[], waiting=[]), None, set())
    windows = _grant_windows(application, now)
    grant_kinds = {w.kind for w in windows if w.from_at <= now < w.until_at}
    queue_kinds = sorted(application.queue_kinds)
    # The second is in the key too: a moved clock (simulate, tests) never reads another moment's offer.
    parts = [application.locality_id, application.birth_year, ",".join(queue_kinds), ",".join(sorted(grant_kinds)), int(now.timestamp())]
    key = "cabinet-offer:" + ":".join(map(str, parts))
    offer = cache.get(key)
    if offer is None:
        offer = _queue_offer(locality_id=application.locality_id, birth_year=application.birth_year, queue_kinds=queue_kinds, grant_kinds=grant_kinds, now=now)
        cache.set(key, offer, OFFER_CACHE_SECONDS)
    # The next opening the family could take: priority seats of a queue where it holds a grant that
    # covers their open_at (SPEC §6); other families' priority seats are no opening for this one.
    openings = [
        seats for seats in offer.waiting if seats.opens_later and any(w.kind == seats.group.kind and w.from_at <= seats.open_at < w.until_at for w in windows)
    ]
    return SeatsNow(offer, min((seats.open_at for seats in openings), default=None), {seats.group.pk for seats in openings})


def claim_opens_at(*, application: Application, group: Group, now: dt.datetime) -> dt.datetime | None:
    """When the first priority seat of `group` this application could take opens, if later than
    now: its birth year, open_at ahead, and a grant of the group's queue covering that moment."""
    if application.status != Application.Status.QUEUED:
        return None
    opening = (
        Seat.objects.filter(group=group, birth_year=application.birth_year, state=Seat.State.PRIORITY, open_at__gt=now)
        .order_by("open_at")
        .values_list("open_at", flat=True)
        .first()
    )
    if opening is None:
        return None
    covered = Grant.objects.filter(application=application, kind=group.kind, ended_at__isnull=True, from_at__lte=opening, until_at__gt=opening).exists()
    return opening if covered else None


def claim_code_early(*, application: Application, group: Group, now: dt.datetime) -> bool:
    """SPEC §9: a claim code may be asked up to 5 minutes before the seats the family could take open."""
    opening = claim_opens_at(application=application, group=group, now=now)
    return opening is not None and opening <= now + CLAIM_CODE_EARLY


# --- messages (SPEC §9) --------------------------------------------------------------------------------


@dataclass(frozen=True)
class MessageRow:
    message: Message
    text: str


def application_messages(application: Application, limit: int = 200) -> list[MessageRow]:
    """The messages sent about the application, newest first, each with its text in the language it
    was sent in. Codes are never among them (not tied to an application; their text is never stored)."""
    rows = []
    for message in Message.objects.filter(application=application).exclude(event=Event.CODE).order_by("-created_at", "-id")[:limit]:
        with translation.override(message.language or "ru"):
            rows.append(MessageRow(message, message_text(message.event, message.context or {})))
    return rows
