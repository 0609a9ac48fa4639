"""Seats (SPEC §5): an operator releases them, the bulletin publishes them, a claim takes one;
one not claimed may be withdrawn; priority seats become general when their window ends. Every
caller passes `now`."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from audit.services import audit_record
from core.calendar import enrollment_year
from core.errors import Refusal
from placements.models import Group, Seat, SeatRelease
from placements.selectors import group_room


def seat_release_check(*, group: Group, birth_year: int, count: int, now: dt.datetime) -> None:
    """The refusals of `seat_release`, read-only: the confirmation step asks before anything is done.
    `seat_release` checks again under the group's lock."""
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise Refusal("invalid_count")
    if not group.fits_birth_year(birth_year, enrollment_year(now)):
        raise Refusal("age_mismatch")
    room = group_room(group=group, now=now)
    if count > room:
        raise Refusal("over_capacity", capacity=group.capacity, room=room)


def seat_release(*, group: Group, birth_year: int, count: int, now: dt.datetime, by=None) -> list[Seat]:
    """An operator releases `count` seats of a group for a birth year; public at the next bulletin.

    Issue 11: never more than the group can hold (placements.selectors.group_room). The group's row
    is locked first, so two operators releasing at once are counted one after the other."""
    with transaction.atomic():
        group = Group.objects.select_for_update().get(pk=group.pk)
        seat_release_check(group=group, birth_year=birth_year, count=count, now=now)
        release = SeatRelease.objects.create(group=group, birth_year=birth_year, count=count, released_at=now, released_by=by)
        seats = Seat.objects.bulk_create(
            [Seat(release=release, group=group, birth_year=birth_year, state=Seat.State.RELEASED, created_at=now, released_at=now) for _ in range(count)]
        )
        if seats and seats[0].pk is None:  # backends that do not return ids from bulk inserts
            seats = list(release.seats.order_by("id"))
        audit_record(action="seat.release", obj=release, now=now, details={"group": group.code, "birth_year": birth_year, "count": count})
    return seats


def seat_withdraw(*, seat: Seat, now: dt.datetime, by=None, reason: str = "") -> Seat:
    """SPEC §5: a seat not claimed may be withdrawn; a conditional update decides against a claim."""
    with transaction.atomic():
        changed = Seat.objects.filter(pk=seat.pk, state__in=Seat.WITHDRAWABLE_STATES).update(
            state=Seat.State.WITHDRAWN, withdrawn_at=now, withdrawn_by=by, withdrawal_reason=reason[:200]
        )
        if changed != 1:
            raise Refusal("seat_not_withdrawable")
        audit_record(action="seat.withdraw", obj=seat, now=now, changes={"state": (seat.state, Seat.State.WITHDRAWN)}, details={"reason": reason[:200]})
    seat.refresh_from_db()
    return seat


def seats_withdraw(*, group: Group, seat_ids: list[int], reason: str, now: dt.datetime, by=None) -> int:
    """Issue 11: several free seats of one group withdrawn at once, all or none. The seats are locked
    (a claim that holds one makes it wait, then finds it claimed); if any of them is claimed, gone or
    of another group, nothing changes (`seats_not_withdrawable`). One audit record lists them, as
    the batch jobs do (queues.services, placements.expiry)."""
    reason = (reason or "").strip()
    ids = sorted({int(pk) for pk in seat_ids})
    if not ids:
        raise Refusal("no_seats_chosen")
    if not reason:
        raise Refusal("withdrawal_reason_required")
    with transaction.atomic():
        locked = list(Seat.objects.select_for_update().filter(pk__in=ids).order_by("id").values_list("id", "group_id", "state"))
        refused = sorted(pk for pk, group_id, state in locked if group_id != group.pk or state not in Seat.WITHDRAWABLE_STATES)
        refused += sorted(set(ids) - {pk for pk, _, _ in locked})
        if refused:
            raise Refusal("seats_not_withdrawable", seats=", ".join(f"#{pk}" for pk in sorted(refused)))
        changed = Seat.objects.filter(pk__in=ids, group=group, state__in=Seat.WITHDRAWABLE_STATES).update(
            state=Seat.State.WITHDRAWN, withdrawn_at=now, withdrawn_by=by, withdrawal_reason=reason[:200]
        )
        if changed != len(ids):  # cannot happen under the locks; never leave a partial withdrawal
            raise Refusal("seats_not_withdrawable", seats=", ".join(f"#{pk}" for pk in ids))
        audit_record(
            action="seat.withdraw_bulk",
            obj=group,
            now=now,
            changes={"state": (sorted({state for _, _, state in locked}), Seat.State.WITHDRAWN)},
            details={"seats": ids, "count": len(ids), "reason": reason[:200]},
        )
    return changed


def seats_promote(*, now: dt.datetime) -> int:
    """SPEC §5: priority seats whose window has passed become general (the state column catches up;
    every reader already treats them as general from priority_until). Idempotent."""
    with transaction.atomic():
        # The seats locked first, so the audit record names exactly the ones changed (issue 13); a
        # claim taking one meanwhile is waited for, and the seat, claimed by then, is left out.
        ids = list(Seat.objects.select_for_update().filter(state=Seat.State.PRIORITY, priority_until__lte=now).order_by("id").values_list("id", flat=True))
        count = Seat.objects.filter(pk__in=ids, state=Seat.State.PRIORITY).update(state=Seat.State.GENERAL) if ids else 0
        if count:
            audit_record(action="seat.promote", now=now, changes={"state": (Seat.State.PRIORITY, Seat.State.GENERAL)}, details={"count": count, "seats": ids})
    return count
