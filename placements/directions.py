"""Directions (SPEC §7): valid five working days, extended once, enrolled by the kindergarten,
declined by the family, expired at valid_until (a strike), flagged for documents (SPEC §10),
reminded a day before (SPEC §9). Every action decides by `valid_until > now` under the
application's lock (direction_active_locked). Every caller passes `now`."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from audit.services import audit_record
from core.calendar import calendar_load, local
from core.errors import Refusal
from core.metrics import metrics_directions_expired
from notifications.models import Message
from notifications.services import message_enqueue
from placements.models import Direction, Group, Seat
from placements.rules import EXTENSION_DAYS, EXTENSION_WINDOW_WORKING_DAYS, REMIND_BEFORE
from queues.models import Application
from queues.services import application_locked, application_requeue, strike_consequence


def direction_context(direction: Direction, group: Group, language: str) -> dict:
    """The names are in the recipient's language: the message is stored, and sent later (issue 11)."""
    return {
        "direction": direction.number or "",
        "kindergarten": group.kindergarten.display_name(language),
        "group": group.display_name(language),
        "valid_until": local(direction.valid_until).strftime("%d.%m.%Y %H:%M"),
    }


def direction_end(*, direction: Direction, application: Application, status: str, now: dt.datetime, consequence: str = "") -> None:
    """End an active direction without enrollment; its seat goes back to `released` (SPEC §5).
    `consequence`: what its strike means, said in the message (queues.services.strike_consequence)."""
    changed = Direction.objects.filter(pk=direction.pk, status__in=Direction.ACTIVE_STATUSES).update(status=status, ended_at=now)
    if changed != 1:
        return
    Seat.objects.filter(pk=direction.seat_id, state=Seat.State.CLAIMED).update(
        state=Seat.State.RELEASED, published_at=None, open_at=None, priority_until=None, released_at=now
    )
    context = {"direction": direction.number, "number": application.number, **({"consequence": consequence} if consequence else {})}
    message_enqueue(application=application, event=f"direction_{status}", now=now, context=context)
    audit_record(
        action=f"direction.{status}",
        obj=direction,
        now=now,
        changes={"status": (direction.status, status), "seat.state": (Seat.State.CLAIMED, Seat.State.RELEASED)},
        details={"direction": direction.number, "seat": direction.seat_id, "application": application.number},
    )


def direction_expire_due(*, application: Application, now: dt.datetime) -> None:
    """SPEC §7: a direction is expired from valid_until on, even if the minute job has not run yet.

    In its own transaction, so that a refusal of the action that follows (a claim) cannot roll the
    expiry (and its strike) back. Waits for the rows' locks rather than skipping them (issue 13)."""
    with transaction.atomic():
        application_direction_locked(application, now)


def direction_active_locked(*, application: Application, now: dt.datetime) -> Direction | None:
    """The application's active direction, locked and decided by `valid_until > now` here (SPEC §7,
    issue 13). The caller holds the application's row lock.

    Every action on a direction (extend, enroll, cancel, flag, benefit confirmed or rejected,
    withdrawal) takes it through this: an earlier check may have skipped a row another transaction
    held, so the deadline is read again under the lock. One past valid_until is expired on the spot,
    with its strike, and None is returned: the action then goes on as if there were no direction
    (a refusal `no_direction`, a rejection that revokes nothing) and must not raise a refusal inside
    this transaction, which would roll the expiry back. Locks are taken application → direction
    everywhere and the minute job skips what it cannot lock (placements.expiry), so waiting here
    cannot deadlock."""
    direction = (
        Direction.objects.select_for_update(of=("self",))
        .filter(application_id=application.pk, status__in=Direction.ACTIVE_STATUSES)
        .select_related("seat__group__kindergarten")
        .first()
    )
    if direction is None or direction.valid_until > now:
        return direction
    _expire(direction=direction, application=application, now=now)
    transaction.on_commit(lambda: metrics_directions_expired(count=1, via="on_demand"))
    return None


def application_direction_locked(application: Application, now: dt.datetime) -> tuple[Application, Direction | None]:
    """The application locked, then its active direction as direction_active_locked decides it."""
    application = application_locked(application)
    return application, direction_active_locked(application=application, now=now)


def direction_extend(*, application: Application, now: dt.datetime) -> Direction:
    """SPEC §7: once, while t < add_working_days(issued_at, 4): valid until issued date + 30 days."""
    with transaction.atomic():
        application, direction = application_direction_locked(application, now)
        if direction is not None:  # None: none, or just expired (kept: refused after the commit)
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
            message_enqueue(
                application=application, event="direction_extended", now=now, context=direction_context(direction, direction.seat.group, application.language)
            )
    if direction is None:
        raise Refusal("no_direction")
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
    expected = direction
    with transaction.atomic():
        application, direction = application_direction_locked(application, now)
        if direction is not None:  # None: none, or just expired (kept: refused after the commit)
            if expected is not None and direction.pk != expected.pk:
                raise Refusal("no_direction")
            if direction.status == Direction.Status.BENEFIT_CHECK:
                raise Refusal("benefit_unconfirmed")
            if contract_date is not None:  # issue 11: not in the future, not before the direction (Astana days)
                if contract_date > local(now).date():
                    raise Refusal("contract_date_future")
                if contract_date < local(direction.issued_at).date():
                    raise Refusal("contract_date_before_issue")
            before = application.status
            direction.status = Direction.Status.ENROLLED
            direction.ended_at = now
            direction.contract_number = contract_number
            direction.contract_date = contract_date
            direction.save(update_fields=["status", "ended_at", "contract_number", "contract_date"])
            Seat.objects.filter(pk=direction.seat_id).update(state=Seat.State.ENROLLED)
            application.status = Application.Status.ENROLLED
            application.status_changed_at = now
            application.save(update_fields=["status", "status_changed_at"])
            audit_record(
                action="direction.enroll",
                obj=direction,
                now=now,
                changes={
                    "status": (Direction.Status.ISSUED, Direction.Status.ENROLLED),
                    "seat.state": (Seat.State.CLAIMED, Seat.State.ENROLLED),
                    "application.status": (before, Application.Status.ENROLLED),
                },
                details={"contract_number": contract_number, "contract_date": contract_date, "seat": direction.seat_id, "application": application.number},
            )
            message_enqueue(
                application=application,
                event="enrolled",
                now=now,
                context={"number": application.number, "kindergarten": direction.seat.group.kindergarten.display_name(application.language)},
            )
    if direction is None:
        raise Refusal("no_direction")
    return direction


def direction_cancel(*, application: Application, now: dt.datetime) -> Direction:
    """SPEC §7: the parent declines; a strike like an expiry (Decision)."""
    with transaction.atomic():
        application, direction = application_direction_locked(application, now)
        if direction is not None:  # None: none, or just expired (kept: refused after the commit)
            consequence = strike_consequence(application=application, now=now)
            direction_end(direction=direction, application=application, status=Direction.Status.CANCELLED, now=now, consequence=consequence)
            application_requeue(application=application, now=now, strike=True)
    if direction is None:
        raise Refusal("no_direction")
    direction.refresh_from_db()
    return direction


def _expire(*, direction: Direction, application: Application, now: dt.datetime) -> None:
    """One direction past valid_until, its application locked by the caller: expired, a strike."""
    consequence = strike_consequence(application=application, now=now)
    direction_end(direction=direction, application=application, status=Direction.Status.EXPIRED, now=now, consequence=consequence)
    application_requeue(application=application, now=now, strike=True)


def direction_flag_documents(*, direction: Direction, note: str, now: dt.datetime) -> Direction:
    """SPEC §10: the kindergarten flags missing benefit documents on an active direction, for the
    education department to follow up; flagging again replaces the note."""
    note = (note or "").strip()
    if not note:
        raise Refusal("documents_note_required")
    with transaction.atomic():
        # Application, then direction (direction_active_locked): past valid_until it expires first.
        application = Application.objects.select_for_update().get(pk=direction.application_id)
        current = direction_active_locked(application=application, now=now)
        if current is not None:
            if current.pk != direction.pk:
                raise Refusal("direction_not_active")
            direction = current
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
    if current is None:  # none active, or just expired (kept: refused after the commit)
        raise Refusal("direction_not_active")
    return direction


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
                context=direction_context(direction, direction.seat.group, direction.application.language),
                key=key,  # a second run at the same time still sends once
            )
    return len(keys) - len(already)
