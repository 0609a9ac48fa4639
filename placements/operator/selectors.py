"""Reads of the operator cabinet: one kindergarten's groups, seats, directions and history.
Set-based: a few aggregates and joins, never a query per row."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, CharField, Count, DateTimeField, F, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import get_language, gettext

from core.collation import name_order
from placements.models import Direction, Group, Kindergarten, Seat, SeatRelease
from queues.models import BenefitDocument, BenefitStatus

# SPEC §5: a seat not yet claimed may be withdrawn (placements.seats.seat_withdraw decides).
UNCLAIMED_STATES = Seat.WITHDRAWABLE_STATES
EVENT_RELEASE = "release"
EVENT_WITHDRAWAL = "withdrawal"


def _name_order():
    """Kindergartens in the order of the name the operator reads: Kazakh alphabetical on a Kazakh
    page, numbers by value (core.collation; issue 11)."""
    if (get_language() or "").startswith("kk"):
        return name_order(Coalesce(NullIf(F("name_kk"), Value("")), F("name")))
    return name_order("name")


def _current_state(now: dt.datetime) -> Case:
    """The state a reader sees: a priority seat is general from its priority_until on (SPEC §5),
    as placements.selectors.effective_state says for one seat."""
    return Case(When(state=Seat.State.PRIORITY, priority_until__lte=now, then=Value(Seat.State.GENERAL)), default=F("state"), output_field=CharField())


def fitting_birth_years(group: Group, enrollment_year: int) -> list[int]:
    """The birth years the group takes in this enrollment year (SPEC §5), youngest first."""
    candidates = range(enrollment_year - group.age_to - 1, enrollment_year - group.age_from + 2)
    return sorted((year for year in candidates if group.fits_birth_year(year, enrollment_year)), reverse=True)


@dataclass
class KindergartenOverview:
    kindergarten: Kindergarten
    groups: list[Group]


def kindergartens_overview(*, kindergartens: QuerySet[Kindergarten], now: dt.datetime) -> list[KindergartenOverview]:
    """Each kindergarten with its groups, every group annotated with its seat counts by state."""
    general = Q(seats__state=Seat.State.GENERAL) | Q(seats__state=Seat.State.PRIORITY, seats__priority_until__lte=now)
    groups = (
        Group.objects.filter(kindergarten__in=kindergartens)
        .annotate(
            seats_released=Count("seats", filter=Q(seats__state=Seat.State.RELEASED)),
            seats_priority=Count("seats", filter=Q(seats__state=Seat.State.PRIORITY, seats__priority_until__gt=now)),
            seats_general=Count("seats", filter=general),
            seats_claimed=Count("seats", filter=Q(seats__state=Seat.State.CLAIMED)),
            seats_enrolled=Count("seats", filter=Q(seats__state=Seat.State.ENROLLED)),
            seats_withdrawn=Count("seats", filter=Q(seats__state=Seat.State.WITHDRAWN)),
        )
        .order_by("age_from", "code")
    )
    by_kindergarten: dict[int, list[Group]] = {}
    for group in groups:
        by_kindergarten.setdefault(group.kindergarten_id, []).append(group)
    return [KindergartenOverview(kindergarten=k, groups=by_kindergarten.get(k.pk, [])) for k in kindergartens.order_by(_name_order())]


def kindergarten_seats(*, kindergarten: Kindergarten, now: dt.datetime, state: str | None = None, group: Group | None = None) -> QuerySet[Seat]:
    """The kindergarten's seats with `current_state`, and for a claimed or enrolled seat its direction."""
    seats = (
        Seat.objects.filter(group__kindergarten=kindergarten)
        .annotate(current_state=_current_state(now))
        .select_related("group")
        .prefetch_related(
            Prefetch(
                "directions",
                queryset=Direction.objects.filter(status__in=(*Direction.ACTIVE_STATUSES, Direction.Status.ENROLLED)).order_by("-issued_at"),
                to_attr="holding_directions",
            )
        )
        .order_by("group__age_from", "group__code", "-birth_year", "id")
    )
    if state:
        seats = seats.filter(current_state=state)
    if group is not None:
        seats = seats.filter(group=group)
    return seats


def kindergarten_directions(*, kindergarten: Kindergarten, status: str | None = None) -> QuerySet[Direction]:
    """Directions to the kindergarten: active ones first, nearest deadline first; then the others, newest first."""
    is_active = Q(status__in=Direction.ACTIVE_STATUSES)
    directions = (
        Direction.objects.filter(seat__group__kindergarten=kindergarten)
        .select_related("application", "seat__group")
        .annotate(
            active_rank=Case(When(is_active, then=Value(0)), default=Value(1), output_field=IntegerField()),
            active_deadline=Case(When(is_active, then=F("valid_until")), default=None, output_field=DateTimeField()),
        )
        .order_by("active_rank", F("active_deadline").asc(nulls_last=True), F("issued_at").desc(), "number")
    )
    if status == "active":
        directions = directions.filter(is_active)
    elif status:
        directions = directions.filter(status=status)
    return directions


def benefit_checks(*, kindergarten: Kindergarten) -> QuerySet[Direction]:
    """Active directions to the kindergarten whose application's benefit is still only claimed."""
    return (
        Direction.objects.filter(
            seat__group__kindergarten=kindergarten,
            status__in=Direction.ACTIVE_STATUSES,
            application__benefit_status=BenefitStatus.CLAIMED,
        )
        .select_related("application", "seat__group")
        .prefetch_related(Prefetch("application__documents", queryset=BenefitDocument.objects.order_by("uploaded_at", "id")))
        .order_by("valid_until", "number")
    )


def kindergarten_history(*, kindergarten: Kindergarten) -> QuerySet:
    """Releases (SeatRelease rows) and withdrawals (withdrawn seats), newest first, as one list of
    dicts: event, at, group_id, birth_year, seat_count, object_id, by_id."""
    releases = (
        SeatRelease.objects.filter(group__kindergarten=kindergarten)
        .order_by()
        .annotate(
            event=Value(EVENT_RELEASE, output_field=CharField()),
            at=F("released_at"),
            seat_count=F("count"),
            object_id=F("id"),
            by_id=F("released_by_id"),
        )
        .values("event", "at", "group_id", "birth_year", "seat_count", "object_id", "by_id")
    )
    withdrawals = (
        Seat.objects.filter(group__kindergarten=kindergarten, state=Seat.State.WITHDRAWN)
        .order_by()
        .annotate(
            event=Value(EVENT_WITHDRAWAL, output_field=CharField()),
            at=F("withdrawn_at"),
            seat_count=Value(1, output_field=IntegerField()),
            object_id=F("id"),
            by_id=F("withdrawn_by_id"),
        )
        .values("event", "at", "group_id", "birth_year", "seat_count", "object_id", "by_id")
    )
    return releases.union(withdrawals, all=True).order_by("-at", "-object_id")


def history_rows(rows: list[dict], *, kindergarten: Kindergarten) -> list[dict]:
    """One page of kindergarten_history with its groups and who released or withdrew: the user's
    name and role; for a withdrawal recorded before Seat.withdrawn_by existed, the audit trail's
    actor of its `seat.withdraw` record (issue 11: the history showed "—")."""
    from django.contrib.auth import get_user_model

    from audit.models import AuditRecord

    groups = {g.pk: g for g in kindergarten.groups.all()}
    user_ids = {row["by_id"] for row in rows if row["by_id"]}
    operator_ids = set(kindergarten.operators.filter(pk__in=user_ids).values_list("pk", flat=True))
    users = {u.pk: _who(u, operator=u.pk in operator_ids) for u in get_user_model().objects.filter(pk__in=user_ids)}
    unknown = [str(row["object_id"]) for row in rows if row["event"] == EVENT_WITHDRAWAL and not row["by_id"]]
    audited = dict(
        AuditRecord.objects.filter(action="seat.withdraw", object_type="placements.seat", object_id__in=unknown).values_list("object_id", "actor")
        if unknown
        else []
    )
    result = []
    for row in rows:
        by = users.get(row["by_id"], "") if row["by_id"] else audited.get(str(row["object_id"]), "")
        result.append({**row, "group": groups.get(row["group_id"]), "by": by})
    return result


def _who(user, *, operator: bool) -> str:
    name = user.get_full_name() or user.get_username()
    if operator:
        return gettext("%(name)s (kindergarten operator)") % {"name": name}
    if user.is_staff:
        return gettext("%(name)s (education department)") % {"name": name}
    return name


def group_withdrawable_seats(*, group: Group, now: dt.datetime) -> QuerySet[Seat]:
    """Issue 11: the group's seats an operator may withdraw now (SPEC §5), oldest first."""
    return Seat.objects.filter(group=group, state__in=UNCLAIMED_STATES).annotate(current_state=_current_state(now)).order_by("-birth_year", "id")


def directions_search(directions: QuerySet[Direction], query: str) -> QuerySet[Direction]:
    """Issue 11: one kindergarten's directions by number or the child's IIN (exact, indexed:
    Direction.number is unique, Application.child_iin has an index), or by the child's name (a
    part of it, within this kindergarten's directions only)."""
    query = " ".join((query or "").split())
    if not query:
        return directions
    digits = query.lstrip("№#").strip()
    if digits.isdigit():
        if len(digits) == 12:
            return directions.filter(Q(application__child_iin=digits) | Q(number=int(digits)))
        return directions.filter(number=int(digits))
    names = Q()
    for word in query.split()[:3]:
        names &= (
            Q(application__child_last_name__icontains=word)
            | Q(application__child_first_name__icontains=word)
            | Q(application__child_middle_name__icontains=word)
        )
    return directions.filter(names)
