"""Seats, the bulletin, grants and directions (SPEC §5–§7). Every caller passes `now`."""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict

from django.db import IntegrityError, transaction

from audit.services import audit_record
from core.calendar import calendar_load, enrollment_year, local, next_seven_am
from core.errors import Refusal
from core.sequences import sequence_next
from notifications.models import Message
from notifications.services import message_enqueue, messages_enqueue
from placements.models import Bulletin, Direction, Grant, Group, Publication, Seat, SeatRelease
from placements.selectors import seats_general_q, seats_priority_open_q
from queues.models import QUEUE_KIND_ORDER, Application, BenefitStatus
from queues.selectors import queue_order
from queues.services import application_requeue, grants_end

EXTENSION_WINDOW_WORKING_DAYS = 4  # SPEC §7: extend while t < add_working_days(issued_at, 4)
DIRECTION_WORKING_DAYS = 5  # SPEC §7: valid_until = add_working_days(t, 5)
PRIORITY_WORKING_DAYS = 3  # SPEC §5: priority_until = add_working_days(open_at, 3)
EXTENSION_DAYS = 30


# --- seats (SPEC §5) ---------------------------------------------------------------------------


def seat_release(*, group: Group, birth_year: int, count: int, now: dt.datetime, by=None) -> list[Seat]:
    """An operator releases `count` seats of a group for a birth year; public at the next bulletin."""
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise Refusal("invalid_count")
    if not group.fits_birth_year(birth_year, enrollment_year(now)):
        raise Refusal("age_mismatch")
    with transaction.atomic():
        release = SeatRelease.objects.create(group=group, birth_year=birth_year, count=count, released_at=now, released_by=by)
        seats = Seat.objects.bulk_create(
            [Seat(release=release, group=group, birth_year=birth_year, state=Seat.State.RELEASED, created_at=now, released_at=now) for _ in range(count)]
        )
        if seats and seats[0].pk is None:  # backends that do not return ids from bulk inserts
            seats = list(release.seats.order_by("id"))
        audit_record(action="seat.release", obj=release, now=now, details={"group": group.code, "birth_year": birth_year, "count": count})
    return seats


def seat_withdraw(*, seat: Seat, now: dt.datetime) -> Seat:
    """SPEC §5: a seat not claimed may be withdrawn; a conditional update decides against a claim."""
    with transaction.atomic():
        changed = Seat.objects.filter(pk=seat.pk, state__in=("released", "priority", "general")).update(state=Seat.State.WITHDRAWN, withdrawn_at=now)
        if changed != 1:
            raise Refusal("seat_not_withdrawable")
        audit_record(action="seat.withdraw", obj=seat, now=now, changes={"state": (seat.state, "withdrawn")})
    seat.refresh_from_db()
    return seat


def seats_promote(*, now: dt.datetime) -> int:
    """SPEC §5: priority seats whose window has passed become general (the state column catches up;
    every reader already treats them as general from priority_until). Idempotent."""
    with transaction.atomic():
        count = Seat.objects.filter(state=Seat.State.PRIORITY, priority_until__lte=now).update(state=Seat.State.GENERAL)
        if count:
            audit_record(action="seat.promote", now=now, details={"count": count})
    return count


def effective_state(seat: Seat, now: dt.datetime) -> str:
    if seat.state == Seat.State.PRIORITY and seat.priority_until is not None and seat.priority_until <= now:
        return Seat.State.GENERAL
    return seat.state


# --- the bulletin and grants (SPEC §5, §6) -----------------------------------------------------


def bulletin_publish(*, now: dt.datetime) -> Bulletin | None:
    """Publish every released seat with windows from this moment, and grant priority access.

    Idempotent: published seats are no longer `released`, so a second run finds nothing. A late
    (catch-up) run computes the windows from its actual moment (SPEC §5).
    """
    with transaction.atomic():
        seats = list(
            Seat.objects.select_for_update().filter(state=Seat.State.RELEASED, released_at__lte=now).select_related("group__kindergarten").order_by("id")
        )
        if not seats:
            return None
        calendar = calendar_load()
        open_at = next_seven_am(now)
        priority_until = calendar.add_working_days(open_at, PRIORITY_WORKING_DAYS)
        bulletin, _ = Bulletin.objects.get_or_create(published_at=now)
        ids = [s.pk for s in seats]
        for start in range(0, len(ids), 5000):
            Seat.objects.filter(pk__in=ids[start : start + 5000]).update(
                state=Seat.State.PRIORITY, published_at=now, open_at=open_at, priority_until=priority_until
            )
        Publication.objects.bulk_create(
            [Publication(bulletin=bulletin, seat=s, open_at=open_at, priority_until=priority_until) for s in seats], batch_size=2000
        )
        grants = _grants_for_bulletin(bulletin=bulletin, seats=seats, open_at=open_at, priority_until=priority_until, now=now)
        audit_record(
            action="bulletin.publish",
            obj=bulletin,
            now=now,
            details={"seats": len(seats), "grants": grants, "open_at": open_at, "priority_until": priority_until},
        )
    return bulletin


def _grants_for_bulletin(*, bulletin: Bulletin, seats: list[Seat], open_at: dt.datetime, priority_until: dt.datetime, now: dt.datetime) -> int:
    """SPEC §6: K seats of a queue → the first K in its order without an open grant there."""
    per_queue: dict[tuple[str, int, int], int] = defaultdict(int)
    for seat in seats:
        per_queue[(seat.group.kind, seat.group.kindergarten.locality_id, seat.birth_year)] += 1
    kind_rank = {k: i for i, k in enumerate(QUEUE_KIND_ORDER)}
    new_grants: list[Grant] = []
    for kind, locality_id, birth_year in sorted(per_queue, key=lambda q: (kind_rank[q[0]], q[1], q[2])):
        k = per_queue[(kind, locality_id, birth_year)]
        order = queue_order(locality_id=locality_id, birth_year=birth_year, kind=kind)
        if not order:
            continue
        # "Already hold an open grant": not ended and not past its until, even if `from` is ahead.
        holders = set(
            Grant.objects.filter(
                kind=kind,
                application__locality_id=locality_id,
                application__birth_year=birth_year,
                ended_at__isnull=True,
                until_at__gt=now,
            ).values_list("application_id", flat=True)
        )
        chosen = [app_id for app_id in order if app_id not in holders][:k]
        new_grants.extend(Grant(application_id=app_id, kind=kind, bulletin=bulletin, from_at=open_at, until_at=priority_until) for app_id in chosen)
    # Listed general, special, sanatorium for one application (ids follow this order).
    new_grants.sort(key=lambda g: kind_rank[g.kind])
    Grant.objects.bulk_create(new_grants, batch_size=2000)
    holders_ids = sorted({g.application_id for g in new_grants})
    if holders_ids:
        apps = list(Application.objects.filter(pk__in=holders_ids))
        until_text = local(priority_until).strftime("%d.%m.%Y %H:%M")
        messages_enqueue(applications=apps, event="grant_opened", now=now, context_for=lambda a: {"number": a.number, "until": until_text})
    return len(new_grants)


def open_grant_kinds(*, application: Application, now: dt.datetime) -> set[str]:
    """Queues in which the application holds an open grant at `now` (SPEC §6: from ≤ now < until)."""
    return set(Grant.objects.filter(application=application, ended_at__isnull=True, from_at__lte=now, until_at__gt=now).values_list("kind", flat=True))


# --- claims and directions (SPEC §7) -----------------------------------------------------------


def claimable_seats(*, application: Application, group: Group, now: dt.datetime, has_grant: bool):
    """SPEC §7: general seats (or priority past their window), plus open priority seats with a grant;
    the earliest published first (ties: the one created first)."""
    claimable = seats_general_q(now=now) | seats_priority_open_q(now=now, grant_kinds={group.kind} if has_grant else ())
    return Seat.objects.filter(claimable, group=group, birth_year=application.birth_year).order_by("published_at", "id")


def seat_claim(*, application: Application, group: Group, now: dt.datetime) -> Direction:
    """Take the earliest-published claimable seat in one atomic step; refusals in SPEC §7 order.

    The application row lock serialises one family's clicks; `FOR UPDATE SKIP LOCKED` lets
    thousands of families take different seats at once; the partial unique indexes are the backstop.
    """
    direction_expire_due(application=application, now=now)
    try:
        with transaction.atomic():
            application = Application.objects.select_for_update().get(pk=application.pk)
            group = Group.objects.select_related("kindergarten").get(pk=group.pk)
            has_grant = _claim_eligibility(application=application, group=group, now=now)
            seats = claimable_seats(application=application, group=group, now=now, has_grant=has_grant)
            seat = _seat_take(seats)
            if seat is None:
                raise Refusal(_claim_refusal(application=application, group=group, now=now, has_grant=has_grant))
            direction = Direction.objects.create(
                number=sequence_next("direction"),
                application=application,
                seat=seat,
                publication=seat.publications.order_by("-id").first(),
                issued_at=now,
                valid_until=calendar_load().add_working_days(now, DIRECTION_WORKING_DAYS),
                status=Direction.Status.BENEFIT_CHECK if application.benefit_status == BenefitStatus.CLAIMED else Direction.Status.ISSUED,
            )
            application.status = Application.Status.DIRECTED
            application.status_changed_at = now
            application.save(update_fields=["status", "status_changed_at"])
            grants_end(application_ids=[application.pk], now=now)
            message_enqueue(application=application, event="direction_issued", now=now, context=_direction_context(direction, group))
            audit_record(
                action="seat.claim",
                obj=direction,
                now=now,
                changes={"application.status": ("queued", "directed"), "seat.state": (seat.state, "claimed")},
                details={"application": application.number, "seat": seat.pk, "direction": direction.number, "status": direction.status},
            )
            return direction
    except IntegrityError as exc:  # the partial unique indexes said no: someone else won
        raise Refusal("no_seat") from exc


def _claim_eligibility(*, application: Application, group: Group, now: dt.datetime) -> bool:
    """SPEC §7 refusals that do not depend on the seats (in order); returns whether a grant is open."""
    if application.status != Application.Status.QUEUED:
        raise Refusal("not_queued")
    if group.kindergarten.locality_id != application.locality_id or group.kind not in application.queue_kinds:
        raise Refusal("not_eligible")
    return group.kind in open_grant_kinds(application=application, now=now)


def seat_claim_preview(*, application: Application, group: Group, now: dt.datetime) -> str | None:
    """The refusal a claim would get now, or None if a seat is claimable — read-only, so a family
    is told before spending an SMS code. The claim itself decides atomically."""
    try:
        has_grant = _claim_eligibility(application=application, group=group, now=now)
    except Refusal as refusal:
        return refusal.code
    if claimable_seats(application=application, group=group, now=now, has_grant=has_grant).exists():
        return None
    return _claim_refusal(application=application, group=group, now=now, has_grant=has_grant)


CLAIM_BUSY_RETRIES = 50
CLAIM_BUSY_PAUSE = 0.02  # seconds


def _seat_take(seats) -> Seat | None:
    """Lock and mark the first claimable seat. Seats locked by other transactions are skipped, never
    waited for (waiting on seat locks in a crowd can deadlock); when every candidate is busy — held
    by the promotion job, a withdrawal or a claim that may still fail — try again briefly, so nobody
    is told `no_seat` while a seat is merely busy."""
    for _ in range(CLAIM_BUSY_RETRIES):
        seat = seats.select_for_update(skip_locked=True).first()
        if seat is not None:
            if Seat.objects.filter(pk=seat.pk, state__in=Seat.PUBLISHED_STATES).update(state=Seat.State.CLAIMED) == 1:
                return seat
            continue
        if not seats.exists():  # nothing left at all, busy or not
            return None
        time.sleep(CLAIM_BUSY_PAUSE)
    return None


def _claim_refusal(*, application: Application, group: Group, now: dt.datetime, has_grant: bool) -> str:
    seats = Seat.objects.filter(group=group, birth_year=application.birth_year, state=Seat.State.PRIORITY, priority_until__gt=now)
    if seats.filter(open_at__gt=now).exists():
        return "not_open_yet"
    if not has_grant and seats.filter(open_at__lte=now).exists():
        return "no_access"
    return "no_seat"


def _direction_context(direction: Direction, group: Group) -> dict:
    return {
        "direction": direction.number or "",
        "kindergarten": group.kindergarten.name,
        "group": str(group),
        "valid_until": local(direction.valid_until).strftime("%d.%m.%Y %H:%M"),
    }


def active_direction(application: Application) -> Direction | None:
    return application.directions.filter(status__in=Direction.ACTIVE_STATUSES).select_related("seat__group__kindergarten").first()


def direction_end(*, direction: Direction, application: Application, status: str, now: dt.datetime) -> None:
    """End an active direction without enrollment; its seat goes back to `released` (SPEC §5)."""
    changed = Direction.objects.filter(pk=direction.pk, status__in=Direction.ACTIVE_STATUSES).update(status=status, ended_at=now)
    if changed != 1:
        return
    Seat.objects.filter(pk=direction.seat_id, state=Seat.State.CLAIMED).update(
        state=Seat.State.RELEASED, published_at=None, open_at=None, priority_until=None, released_at=now
    )
    message_enqueue(application=application, event=f"direction_{status}", now=now, context={"direction": direction.number, "number": application.number})
    audit_record(action=f"direction.{status}", obj=direction, now=now, changes={"status": (direction.status, status), "seat.state": ("claimed", "released")})


def direction_expire_due(*, application: Application, now: dt.datetime) -> None:
    """SPEC §7: a direction is expired from valid_until on, even if the minute job has not run yet.

    Called before any action on the application, in its own transaction, so that a refusal of the
    action that follows cannot roll the expiry (and its strike) back."""
    with transaction.atomic():
        direction = (
            Direction.objects.select_for_update(skip_locked=True)
            .filter(application_id=application.pk, status__in=Direction.ACTIVE_STATUSES, valid_until__lte=now)
            .first()
        )
        if direction is not None:
            _expire(direction=direction, now=now)


def _parent_direction(application: Application, now: dt.datetime) -> tuple[Application, Direction]:
    application = Application.objects.select_for_update().get(pk=application.pk)
    direction = active_direction(application)
    if direction is None:
        raise Refusal("no_direction")
    return application, direction


def direction_extend(*, application: Application, now: dt.datetime) -> Direction:
    """SPEC §7: once, while t < add_working_days(issued_at, 4): valid until issued date + 30 days."""
    direction_expire_due(application=application, now=now)
    with transaction.atomic():
        application, direction = _parent_direction(application, now)
        if direction.extended:
            raise Refusal("already_extended")
        if now >= calendar_load().add_working_days(direction.issued_at, EXTENSION_WINDOW_WORKING_DAYS):
            raise Refusal("extension_closed")
        issued = local(direction.issued_at)
        before = direction.valid_until
        direction.valid_until = dt.datetime.combine(issued.date() + dt.timedelta(days=EXTENSION_DAYS), issued.timetz())
        direction.extended = True
        direction.save(update_fields=["valid_until", "extended"])
        audit_record(action="direction.extend", obj=direction, now=now, changes={"valid_until": (before, direction.valid_until), "extended": (False, True)})
        message_enqueue(application=application, event="direction_extended", now=now, context=_direction_context(direction, direction.seat.group))
    return direction


def direction_enroll(
    *,
    application: Application,
    now: dt.datetime,
    direction: Direction | None = None,
    contract_number: str = "",
    contract_date: dt.date | None = None,
) -> Direction:
    """SPEC §7: the kindergarten enrolls the child on an `issued` direction. With `direction`, only
    that one (an operator acting on a page that may be out of date): `no_direction` otherwise."""
    direction_expire_due(application=application, now=now)
    expected = direction
    with transaction.atomic():
        application, direction = _parent_direction(application, now)
        if expected is not None and direction.pk != expected.pk:
            raise Refusal("no_direction")
        if direction.status == Direction.Status.BENEFIT_CHECK:
            raise Refusal("benefit_unconfirmed")
        direction.status = Direction.Status.ENROLLED
        direction.ended_at = now
        direction.contract_number = contract_number
        direction.contract_date = contract_date
        direction.save(update_fields=["status", "ended_at", "contract_number", "contract_date"])
        audit_record(
            action="direction.enroll",
            obj=direction,
            now=now,
            changes={"status": ("issued", "enrolled")},
            details={"contract_number": contract_number, "contract_date": contract_date},
        )
        Seat.objects.filter(pk=direction.seat_id).update(state=Seat.State.ENROLLED)
        application.status = Application.Status.ENROLLED
        application.status_changed_at = now
        application.save(update_fields=["status", "status_changed_at"])
        message_enqueue(
            application=application,
            event="enrolled",
            now=now,
            context={"number": application.number, "kindergarten": direction.seat.group.kindergarten.name},
        )
    return direction


def direction_cancel(*, application: Application, now: dt.datetime) -> Direction:
    """SPEC §7: the parent declines; a strike like an expiry (Decision)."""
    direction_expire_due(application=application, now=now)
    with transaction.atomic():
        application, direction = _parent_direction(application, now)
        direction_end(direction=direction, application=application, status=Direction.Status.CANCELLED, now=now)
        application_requeue(application=application, now=now, strike=True)
    direction.refresh_from_db()
    return direction


def _expire(*, direction: Direction, now: dt.datetime) -> None:
    application = Application.objects.select_for_update().get(pk=direction.application_id)
    direction_end(direction=direction, application=application, status=Direction.Status.EXPIRED, now=now)
    application_requeue(application=application, now=now, strike=True)


def directions_expire(*, now: dt.datetime) -> int:
    """SPEC §7: active directions at or past valid_until expire. Idempotent and late-safe."""
    count = 0
    while True:
        with transaction.atomic():
            batch = list(
                Direction.objects.select_for_update(skip_locked=True)
                .filter(status__in=Direction.ACTIVE_STATUSES, valid_until__lte=now)
                .order_by("valid_until", "id")[:200]
            )
            for direction in batch:
                _expire(direction=direction, now=now)
        count += len(batch)
        if len(batch) < 200:
            return count


def direction_flag_documents(*, direction: Direction, note: str, now: dt.datetime) -> Direction:
    """SPEC §10: the kindergarten flags missing benefit documents on an active direction, for the
    education department to follow up; flagging again replaces the note."""
    note = (note or "").strip()
    if not note:
        raise Refusal("documents_note_required")
    with transaction.atomic():
        direction = Direction.objects.select_for_update().get(pk=direction.pk)
        if not direction.is_active:
            raise Refusal("direction_not_active")
        before = direction.documents_missing_note
        direction.documents_missing_note = note[:500]
        direction.documents_flagged_at = now
        direction.save(update_fields=["documents_missing_note", "documents_flagged_at"])
        audit_record(
            action="direction.flag_documents",
            obj=direction,
            now=now,
            changes={"documents_missing_note": (before, direction.documents_missing_note)},
            details={"direction": direction.number, "application": direction.application_id},
        )
    return direction


REMIND_BEFORE = dt.timedelta(hours=24)


def directions_remind_expiring(*, now: dt.datetime) -> int:
    """SPEC §9 "direction expires tomorrow": one message per active direction and deadline, sent
    within the last 24 hours before valid_until (an extended direction is reminded again for its
    new deadline). Idempotent: the message's key is the direction and its deadline."""
    due = (
        Direction.objects.filter(status__in=Direction.ACTIVE_STATUSES, valid_until__gt=now, valid_until__lte=now + REMIND_BEFORE)
        .select_related("application", "seat__group__kindergarten")
        .order_by("valid_until", "id")
    )
    keys = {direction: f"direction_expiring:{direction.pk}:{direction.valid_until.isoformat()}" for direction in due}
    already = set(Message.objects.filter(idempotency_key__in=keys.values()).values_list("idempotency_key", flat=True))
    with transaction.atomic():
        for direction, key in keys.items():
            if key in already:
                continue
            message_enqueue(
                application=direction.application,
                event="direction_expiring",
                now=now,
                context=_direction_context(direction, direction.seat.group),
                key=key,  # a second run at the same time still sends once
            )
    return len(keys) - len(already)
