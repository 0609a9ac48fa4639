"""The public queue check (SPEC §3 "check the queue", §4, §6, §7): where an application stands and
why, its priority access and its direction — masked as every public page (SPEC §8)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Case, IntegerField, Q, Value, When

from opendata.selectors.common import choice_label, current_language
from opendata.selectors.queue_lists import benefit_class_name
from placements.models import Direction, Grant, Group
from queues.forecast import WaitForecast, application_forecasts
from queues.models import QUEUE_KIND_ORDER, Application, BenefitStatus, QueueKind
from queues.selectors import application_positions, interleave_ratio

MAX_RESULTS = 20  # an applicant with many children, plus their closed applications


@dataclass(frozen=True)
class QueuePlace:
    """One queue the application stands in, with the counts that explain its position (SPEC §4)."""

    kind: str
    kind_name: str
    position: int
    size: int
    klass: str
    rank: int
    ahead_extraordinary: int
    ahead_priority: int
    ahead_general: int
    ratio: int
    forecast: WaitForecast | None = None  # issue 12: when priority access most likely reaches it

    @property
    def general_before_slot(self) -> int:
        """A priority application's slot: after this many general ones (SPEC §4: ratio × rank)."""
        return self.ratio * self.rank

    @property
    def general_ran_out(self) -> bool:
        """Fewer general applications wait than the slot needs: it follows all of them."""
        return self.ahead_general < self.general_before_slot


@dataclass(frozen=True)
class GrantShown:
    kind: str
    kind_name: str
    from_at: dt.datetime
    until_at: dt.datetime
    open_now: bool


@dataclass(frozen=True)
class DirectionShown:
    number: int
    status: str
    status_name: str
    active: bool
    issued_at: dt.datetime
    valid_until: dt.datetime
    extended: bool
    kindergarten_code: str
    kindergarten: str
    group: str
    age_from: int
    age_to: int
    language_name: str


@dataclass(frozen=True)
class CheckedApplication:
    """Everything the check shows, and nothing more: no IIN, phone, address or full birth date."""

    number: int
    child: str
    birth_year: int
    locality: str
    status: str
    status_name: str
    archive_reason_name: str
    strikes: int
    filed_at: dt.datetime
    benefit: str
    benefit_status: str | None
    benefit_status_name: str
    klass: str
    klass_name: str
    places: list[QueuePlace]
    grants: list[GrantShown]
    direction: DirectionShown | None


def applications_checked(*, now: dt.datetime, number: int | None = None, iin: str | None = None) -> list[CheckedApplication]:
    """Applications found by number, or by an IIN that is the child's or the applicant's; live
    ones first, then the newest. Positions are computed now; grants are those not yet ended."""
    if number is not None:
        found = Q(number=number)
    elif iin:
        found = Q(child_iin=iin) | Q(applicant_iin=iin)
    else:
        return []
    live_first = Case(When(status__in=Application.LIVE_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField())
    applications = list(Application.objects.filter(found).select_related("locality").order_by(live_first, "-filed_at", "-number")[:MAX_RESULTS])
    if not applications:
        return []
    grants = defaultdict(list)
    kind_rank = {k: i for i, k in enumerate(QUEUE_KIND_ORDER)}
    for grant in Grant.objects.filter(application__in=applications, ended_at__isnull=True, until_at__gt=now).order_by("from_at", "id"):
        grants[grant.application_id].append(grant)
    latest_direction: dict[int, Direction] = {}
    for direction in Direction.objects.filter(application__in=applications).select_related("seat__group__kindergarten").order_by("-issued_at", "-id"):
        latest_direction.setdefault(direction.application_id, direction)
    return [
        _checked(
            a,
            sorted(grants[a.pk], key=lambda g: (g.from_at, kind_rank.get(g.kind, 9))),
            latest_direction.get(a.pk),
            now,
        )
        for a in applications
    ]


def _checked(a: Application, grants: list[Grant], direction: Direction | None, now: dt.datetime) -> CheckedApplication:
    ratio = interleave_ratio()
    positions = application_positions(a)
    forecasts = application_forecasts(application=a, positions=positions, now=now)
    places = [
        QueuePlace(
            kind=p.kind,
            kind_name=choice_label(QueueKind, p.kind),
            position=p.position,
            size=p.size,
            klass=p.klass,
            rank=p.rank,
            ahead_extraordinary=p.ahead_extraordinary,
            ahead_priority=p.ahead_priority,
            ahead_general=p.ahead_general,
            ratio=ratio,
            forecast=forecasts.get(p.kind),
        )
        for p in positions.values()
    ]
    return CheckedApplication(
        number=a.number,
        child=a.child_name_masked,
        birth_year=a.birth_year,
        locality=a.locality.display_name(current_language()),
        status=a.status,
        status_name=choice_label(Application.Status, a.status),
        archive_reason_name=choice_label(Application.ArchiveReason, a.archive_reason),
        strikes=a.strikes,
        filed_at=a.filed_at,
        benefit=a.benefit,
        benefit_status=a.benefit_status,
        benefit_status_name=choice_label(BenefitStatus, a.benefit_status),
        klass=a.effective_benefit,
        klass_name=benefit_class_name(a.effective_benefit),
        places=places,
        grants=[
            GrantShown(kind=g.kind, kind_name=choice_label(QueueKind, g.kind), from_at=g.from_at, until_at=g.until_at, open_now=g.from_at <= now)
            for g in grants
        ],
        direction=_direction_shown(direction) if direction is not None else None,
    )


def _direction_shown(d: Direction) -> DirectionShown:
    group = d.seat.group
    return DirectionShown(
        number=d.number,
        status=d.status,
        status_name=choice_label(Direction.Status, d.status),
        active=d.is_active,
        issued_at=d.issued_at,
        valid_until=d.valid_until,
        extended=d.extended,
        kindergarten_code=group.kindergarten.code,
        kindergarten=group.kindergarten.display_name(current_language()),
        group=group.display_name(current_language()),
        age_from=group.age_from,
        age_to=group.age_to,
        language_name=choice_label(Group.GroupLanguage, group.language),
    )
