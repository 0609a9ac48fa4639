"""Every seat's story (issue 12): one public page per seat telling, in time order, who released it,
each bulletin that published it (its window and the grants it gave in the seat's queue), every
direction issued for it and how each ended, and a withdrawal.

Public information only (SPEC §8): application and direction numbers (already public in the queue
lists and the directions protocol), kindergartens, groups and times. Never a child's or parent's
name, an IIN, a phone, an address or a birth date; who withdrew a seat is named by role only, and
the operator's free-text reason is not shown (it may name a family).

Seat ids are not personal and already stand in the release protocol, so the page is `/open/seats/<id>/`.
The story is read in a fixed number of queries (at most four), whatever the seat's history.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Exists, F, OuterRef
from django.utils.translation import gettext, ngettext

from opendata.selectors.common import choice_label, current_language
from placements.models import Direction, Grant, Group, Kindergarten, Publication, Seat
from placements.selectors import direction_effective_status, effective_state
from queues.models import Application, QueueKind

# The kinds of step, in the order they stand when two happen at the same moment: a direction that
# ended at 18:00 released its seat before the bulletin of 18:00 published it again (SPEC §5), and
# a seat claimed at priority_until was already in general access.
STEP_RELEASED = "released"
STEP_DIRECTION_ENDED = "direction_ended"
STEP_ENROLLED = "enrolled"
STEP_WITHDRAWN = "withdrawn"
STEP_PUBLISHED = "published"
STEP_GENERAL = "general"
STEP_CLAIMED = "claimed"
_RANK = {
    STEP_RELEASED: 0,
    STEP_DIRECTION_ENDED: 1,
    STEP_ENROLLED: 1,
    STEP_WITHDRAWN: 2,
    STEP_PUBLISHED: 3,
    STEP_GENERAL: 4,
    STEP_CLAIMED: 5,
}

# What the seat is now.
NOW_RELEASED = "released"
NOW_PRIORITY = "priority"
NOW_GENERAL = "general"
NOW_CLAIMED = "claimed"
NOW_ENROLLED = "enrolled"
NOW_WITHDRAWN = "withdrawn"

# Who withdrew a seat, by role only.
BY_OPERATOR, BY_STAFF, BY_KINDERGARTEN = "operator", "staff", "kindergarten"


@dataclass(frozen=True)
class StoryDirection:
    number: int
    application_number: int
    status: str
    status_name: str
    issued_at: dt.datetime
    valid_until: dt.datetime
    extended: bool
    in_priority: bool  # claimed with priority access (before the window closed)


@dataclass(frozen=True)
class StoryStep:
    kind: str
    at: dt.datetime
    title: str
    text: str = ""
    open_at: dt.datetime | None = None
    priority_until: dt.datetime | None = None
    grants: tuple[int, ...] = ()  # application numbers, in queue order
    direction: StoryDirection | None = None
    outcome: str = ""  # a direction's end: enrolled, expired, cancelled, withdrawn, revoked


@dataclass(frozen=True)
class SeatStory:
    seat: int
    now_state: str
    now_name: str
    now_priority_until: dt.datetime | None
    locality: str
    kindergarten: str
    kindergarten_code: str
    group: str
    age_from: int
    age_to: int
    language_name: str
    kind_name: str
    birth_year: int
    released_at: dt.datetime
    release_count: int
    steps: list[StoryStep] = field(default_factory=list)


def _now_names() -> dict[str, str]:
    return {
        NOW_RELEASED: gettext("released, waiting for the next bulletin"),
        NOW_PRIORITY: gettext("free, priority access"),
        NOW_GENERAL: gettext("free, general access"),
        NOW_CLAIMED: gettext("claimed: a direction is open"),
        NOW_ENROLLED: gettext("a child is enrolled"),
        NOW_WITHDRAWN: gettext("withdrawn"),
    }


def _withdrawn_by_names() -> dict[str, str]:
    return {
        BY_OPERATOR: gettext("Withdrawn by the kindergarten's operator"),
        BY_STAFF: gettext("Withdrawn by the education department"),
        BY_KINDERGARTEN: gettext("Withdrawn by the kindergarten"),
    }


def seat_story(*, seat_id: int, now: dt.datetime) -> SeatStory | None:
    """The story of one seat, or None when there is no such seat. Four queries at most: the seat
    (with its release, group, kindergarten, locality and the role of who withdrew it), its publications with
    their bulletins, its directions with their applications, and the grants of those bulletins in
    the seat's queue."""
    is_operator = Kindergarten.operators.through.objects.filter(kindergarten_id=OuterRef("group__kindergarten_id"), user_id=OuterRef("withdrawn_by_id"))
    seat = (
        Seat.objects.select_related("release", "group__kindergarten__locality")
        # Who withdrew it, as a role: never the account itself (SPEC §8, issue 12).
        .annotate(withdrawn_by_operator=Exists(is_operator), withdrawn_by_staff=F("withdrawn_by__is_staff"))
        .filter(pk=seat_id)
        .first()
    )
    if seat is None:
        return None
    group, kindergarten = seat.group, seat.group.kindergarten
    language = current_language()

    publications = list(Publication.objects.filter(seat=seat).select_related("bulletin").order_by("bulletin__published_at", "id"))
    directions = list(
        Direction.objects.filter(seat=seat)
        .select_related("application")
        .only(
            "number",
            "status",
            "issued_at",
            "valid_until",
            "extended",
            "ended_at",
            "publication_id",
            "seat_id",
            "application__number",
            "application__status",
            "application__status_changed_at",
        )
        .order_by("issued_at", "id")
    )
    grants = _grants_by_bulletin(seat=seat, group=group, bulletin_ids=[p.bulletin_id for p in publications])

    steps = [
        StoryStep(
            kind=STEP_RELEASED,
            at=seat.created_at,
            title=gettext("Released by the kindergarten"),
            text=ngettext(
                "The release: %(count)s seat for children born in %(year)s.",
                "The release: %(count)s seats for children born in %(year)s.",
                seat.release.count,
            )
            % {"count": seat.release.count, "year": seat.birth_year},
        )
    ]
    for publication in publications:
        steps += _publication_steps(publication, directions, grants.get(publication.bulletin_id, []), seat=seat, now=now)
    for direction in directions:
        steps += _direction_steps(direction, publications, now=now)
    if seat.withdrawn_at is not None:
        steps.append(StoryStep(kind=STEP_WITHDRAWN, at=seat.withdrawn_at, title=_withdrawn_by_names()[_withdrawn_by(seat)]))
    steps.sort(key=lambda step: (step.at, _RANK[step.kind]))

    now_state = effective_state(seat, now)  # SPEC §5: the NOW_* names are the seat's states
    if now_state == NOW_CLAIMED and any(d.is_active and d.valid_until <= now for d in directions):
        now_state = NOW_RELEASED  # SPEC §7: its direction has expired; the minute job catches up
    return SeatStory(
        seat=seat.pk,
        now_state=now_state,
        now_name=_now_names()[now_state],
        now_priority_until=seat.priority_until if now_state == NOW_PRIORITY else None,
        locality=kindergarten.locality.display_name(language),
        kindergarten=kindergarten.display_name(language),
        kindergarten_code=kindergarten.code,
        group=group.display_name(language),
        age_from=group.age_from,
        age_to=group.age_to,
        language_name=choice_label(Group.GroupLanguage, group.language),
        kind_name=choice_label(QueueKind, group.kind),
        birth_year=seat.birth_year,
        released_at=seat.created_at,
        release_count=seat.release.count,
        steps=steps,
    )


def _grants_by_bulletin(*, seat: Seat, group: Group, bulletin_ids: list[int]) -> dict[int, list[int]]:
    """SPEC §6: the grants each bulletin gave in the seat's queue (locality, birth year, kind), as
    application numbers in the order they were given, which is the queue's order."""
    if not bulletin_ids:
        return {}
    rows = (
        Grant.objects.filter(
            bulletin_id__in=bulletin_ids,
            kind=group.kind,
            application__locality_id=group.kindergarten.locality_id,
            application__birth_year=seat.birth_year,
        )
        .order_by("bulletin_id", "id")
        .values_list("bulletin_id", "application__number")
    )
    out: dict[int, list[int]] = defaultdict(list)
    for bulletin_id, number in rows:
        out[bulletin_id].append(number)
    return out


def _publication_steps(publication: Publication, directions: list[Direction], grants: list[int], *, seat: Seat, now: dt.datetime) -> list[StoryStep]:
    # With grants, the page lists them (in the order they were given: the queue's order).
    text = ""
    if not grants:
        text = gettext("This bulletin gave no new priority access in this seat's queue: those at its head already held it, or nobody was waiting.")
    steps = [
        StoryStep(
            kind=STEP_PUBLISHED,
            at=publication.bulletin.published_at,
            title=gettext("Published in the bulletin"),
            text=text,
            open_at=publication.open_at,
            priority_until=publication.priority_until,
            grants=tuple(grants),
        )
    ]
    # SPEC §5: still free when the window closed, the seat passed to general access.
    taken = [d.issued_at for d in directions if d.publication_id == publication.pk]
    still_free = not any(at < publication.priority_until for at in taken)
    if still_free and publication.priority_until <= now and (seat.withdrawn_at is None or seat.withdrawn_at > publication.priority_until):
        steps.append(
            StoryStep(
                kind=STEP_GENERAL,
                at=publication.priority_until,
                title=gettext("Priority window closed: general access"),
                text=gettext("From now on any family in this seat's queue may claim it, first come, first served."),
            )
        )
    return steps


def _direction_steps(direction: Direction, publications: list[Publication], *, now: dt.datetime) -> list[StoryStep]:
    publication = next((p for p in publications if p.pk == direction.publication_id), None)
    in_priority = publication is not None and direction.issued_at < publication.priority_until
    status = direction_effective_status(direction, now)  # SPEC §7: expired from valid_until on
    ended_at = direction.valid_until if status != direction.status else direction.ended_at
    story_direction = StoryDirection(
        number=direction.number,
        application_number=direction.application.number,
        status=status,
        status_name=choice_label(Direction.Status, status),
        issued_at=direction.issued_at,
        valid_until=direction.valid_until,
        extended=direction.extended,
        in_priority=in_priority,
    )
    claimed = StoryStep(
        kind=STEP_CLAIMED,
        at=direction.issued_at,
        title=gettext("Claimed: direction No. %(number)s") % {"number": direction.number},
        text=(
            gettext("Claimed with priority access by application No. %(application)s.")
            if in_priority
            else gettext("Claimed by application No. %(application)s.")
        )
        % {"application": direction.application.number},
        direction=story_direction,
    )
    steps = [claimed]
    if ended_at is None:
        return steps
    number = {"number": direction.number, "application": direction.application.number}
    back = gettext("The seat went back to the kindergarten and waits for the next bulletin.")
    if status == Direction.Status.ENROLLED:
        steps.append(StoryStep(kind=STEP_ENROLLED, at=ended_at, title=gettext("Child enrolled on direction No. %(number)s") % number, outcome="enrolled"))
    elif status == Direction.Status.EXPIRED:
        steps.append(
            StoryStep(kind=STEP_DIRECTION_ENDED, at=ended_at, title=gettext("Direction No. %(number)s expired unused") % number, text=back, outcome="expired")
        )
    elif status == Direction.Status.REVOKED:
        steps.append(
            StoryStep(
                kind=STEP_DIRECTION_ENDED,
                at=ended_at,
                title=gettext("Direction No. %(number)s revoked: the benefit was not confirmed") % number,
                text=back,
                outcome="revoked",
            )
        )
    elif status == Direction.Status.CANCELLED:
        application = direction.application
        # SPEC §7: withdrawing the application cancels its direction at the same moment.
        withdrawn = application.status == Application.Status.WITHDRAWN and application.status_changed_at == ended_at
        title = (
            gettext("Application No. %(application)s withdrawn: direction No. %(number)s cancelled")
            if withdrawn
            else gettext("Direction No. %(number)s declined by the family")
        ) % number
        steps.append(StoryStep(kind=STEP_DIRECTION_ENDED, at=ended_at, title=title, text=back, outcome="withdrawn" if withdrawn else "cancelled"))
    return steps


def _withdrawn_by(seat: Seat) -> str:
    if seat.withdrawn_by_operator:
        return BY_OPERATOR
    if seat.withdrawn_by_staff:
        return BY_STAFF
    return BY_KINDERGARTEN
