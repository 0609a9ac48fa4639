"""Seats, the bulletin, grants and directions (SPEC §5–§7). Every caller passes `now`."""

from __future__ import annotations

import datetime as dt
import time

from django.db import IntegrityError, connection, transaction

from audit.services import audit_record
from core.calendar import calendar_cached, calendar_load, enrollment_year, local, next_seven_am
from core.errors import Refusal
from core.metrics import metrics_claim, metrics_directions_expired
from core.sequences import sequence_next, sequence_sql, uses_database_sequences
from notifications.models import Message
from notifications.services import message_enqueue
from placements.bulletin import grants_give, publications_add
from placements.bulletin import seats_publish as bulletin_seats_publish
from placements.expiry import directions_expire_all
from placements.models import Bulletin, Direction, Grant, Group, Publication, Seat, SeatRelease
from placements.selectors import group_room, seats_general_q, seats_priority_open_q
from queues.models import Application, BenefitStatus
from queues.services import application_requeue, grants_end, strike_consequence

EXTENSION_WINDOW_WORKING_DAYS = 4  # SPEC §7: extend while t < add_working_days(issued_at, 4)
DIRECTION_WORKING_DAYS = 5  # SPEC §7: valid_until = add_working_days(t, 5)
PRIORITY_WORKING_DAYS = 3  # SPEC §5: priority_until = add_working_days(open_at, 3)
EXTENSION_DAYS = 30


# --- seats (SPEC §5) ---------------------------------------------------------------------------


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


WITHDRAWABLE_STATES = ("released", "priority", "general")  # SPEC §5: not one that is claimed


def seat_withdraw(*, seat: Seat, now: dt.datetime, by=None, reason: str = "") -> Seat:
    """SPEC §5: a seat not claimed may be withdrawn; a conditional update decides against a claim."""
    with transaction.atomic():
        changed = Seat.objects.filter(pk=seat.pk, state__in=WITHDRAWABLE_STATES).update(
            state=Seat.State.WITHDRAWN, withdrawn_at=now, withdrawn_by=by, withdrawal_reason=reason[:200]
        )
        if changed != 1:
            raise Refusal("seat_not_withdrawable")
        audit_record(action="seat.withdraw", obj=seat, now=now, changes={"state": (seat.state, "withdrawn")}, details={"reason": reason[:200]})
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
        refused = sorted(pk for pk, group_id, state in locked if group_id != group.pk or state not in WITHDRAWABLE_STATES)
        refused += sorted(set(ids) - {pk for pk, _, _ in locked})
        if refused:
            raise Refusal("seats_not_withdrawable", seats=", ".join(f"#{pk}" for pk in sorted(refused)))
        changed = Seat.objects.filter(pk__in=ids, group=group, state__in=WITHDRAWABLE_STATES).update(
            state=Seat.State.WITHDRAWN, withdrawn_at=now, withdrawn_by=by, withdrawal_reason=reason[:200]
        )
        if changed != len(ids):  # cannot happen under the locks; never leave a partial withdrawal
            raise Refusal("seats_not_withdrawable", seats=", ".join(f"#{pk}" for pk in ids))
        audit_record(
            action="seat.withdraw_bulk",
            obj=group,
            now=now,
            changes={"state": (sorted({state for _, _, state in locked}), "withdrawn")},
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
            audit_record(action="seat.promote", now=now, changes={"state": ("priority", "general")}, details={"count": count, "seats": ids})
    return count


def effective_state(seat: Seat, now: dt.datetime) -> str:
    if seat.state == Seat.State.PRIORITY and seat.priority_until is not None and seat.priority_until <= now:
        return Seat.State.GENERAL
    return seat.state


# --- the bulletin and grants (SPEC §5, §6) -----------------------------------------------------

BULLETIN_HOUR = 18  # SPEC §5: every day at 18:00 (indigo/celery.py), weekends and holidays too


def bulletin_next(*, now: dt.datetime) -> dict[str, dt.datetime]:
    """When seats released at `now` are published, open, and leave priority access (SPEC §5): the
    bulletin runs every day, so today at 18:00 before 18:00 and tomorrow at 18:00 from then on; the
    window counts working days (core.calendar)."""
    today = local(now)
    published_at = today.replace(hour=BULLETIN_HOUR, minute=0, second=0, microsecond=0)
    if today >= published_at:
        published_at = dt.datetime.combine(today.date() + dt.timedelta(days=1), dt.time(BULLETIN_HOUR), tzinfo=published_at.tzinfo)
    open_at = next_seven_am(published_at)
    return {"published_at": published_at, "open_at": open_at, "priority_until": calendar_load().add_working_days(open_at, PRIORITY_WORKING_DAYS)}


def bulletin_publish(*, now: dt.datetime) -> Bulletin | None:
    """Publish every released seat with windows from this moment, and grant priority access.

    Idempotent: published seats are no longer `released`, so a second run finds nothing. A late
    (catch-up) run computes the windows from its actual moment (SPEC §5). Set-based, in a few
    statements whatever the number of seats and queues (placements.bulletin).
    """
    with transaction.atomic():
        if not Seat.objects.filter(state=Seat.State.RELEASED, released_at__lte=now).exists():
            return None
        calendar = calendar_load()
        open_at = next_seven_am(now)
        priority_until = calendar.add_working_days(open_at, PRIORITY_WORKING_DAYS)
        count = bulletin_seats_publish(now=now, open_at=open_at, priority_until=priority_until)
        if not count:  # withdrawn or published meanwhile: nothing to publish after all
            return None
        bulletin, _ = Bulletin.objects.get_or_create(published_at=now)
        per_queue = publications_add(bulletin=bulletin, now=now, open_at=open_at, priority_until=priority_until)
        grants = _grants_for_bulletin(bulletin=bulletin, per_queue=per_queue, open_at=open_at, priority_until=priority_until, now=now)
        audit_record(
            action="bulletin.publish",
            obj=bulletin,
            now=now,
            details={"seats": count, "grants": grants, "open_at": open_at, "priority_until": priority_until},
        )
    return bulletin


def _grants_for_bulletin(*, bulletin: Bulletin, per_queue: dict, open_at: dt.datetime, priority_until: dt.datetime, now: dt.datetime) -> int:
    """SPEC §6: K seats of a queue → the first K in its order without an open grant there, read from
    the first K + h of each class by index (placements.bulletin.grants_give)."""
    return grants_give(bulletin=bulletin, per_queue=per_queue, open_at=open_at, priority_until=priority_until, now=now)


def open_grant_kinds(*, application: Application, now: dt.datetime) -> set[str]:
    """Queues in which the application holds an open grant at `now` (SPEC §6: from ≤ now < until)."""
    return set(Grant.objects.filter(application=application, ended_at__isnull=True, from_at__lte=now, until_at__gt=now).values_list("kind", flat=True))


# --- claims and directions (SPEC §7) -----------------------------------------------------------


def claimable_seats(*, application: Application, group: Group, now: dt.datetime, has_grant: bool):
    """SPEC §7: general seats (or priority past their window), plus open priority seats with a grant;
    the earliest published first (ties: the one created first)."""
    claimable = seats_general_q(now=now) | seats_priority_open_q(now=now, grant_kinds={group.kind} if has_grant else ())
    return Seat.objects.filter(claimable, group=group, birth_year=application.birth_year).order_by("published_at", "id")


class _ExpireFirst(Exception):
    """The locked application is `directed`: its direction may be past valid_until (SPEC §7)."""


def seat_claim(*, application: Application, group: Group, now: dt.datetime) -> Direction:
    """Take the earliest-published claimable seat in one atomic step; refusals in SPEC §7 order.

    The application row lock serialises one family's clicks; `FOR UPDATE SKIP LOCKED` lets
    thousands of families take different seats at once; the partial unique indexes are the backstop.
    Nothing every claim shares is locked to commit (issue 9): the number comes from a sequence.
    On PostgreSQL a claim is at most 8 statements (tests/placements/test_claim_queries.py).
    """
    expiry_checked = False
    try:
        while True:
            try:
                direction = _claim(application=application, group=group, now=now, expiry_checked=expiry_checked)
                break
            except _ExpireFirst:
                # In its own transaction, so that a refusal of the claim cannot roll the expiry (and its
                # strike) back; only a directed application can have a direction to expire.
                expiry_checked = True
                direction_expire_due(application=application, now=now)
    except Refusal as refusal:
        metrics_claim(outcome=refusal.code)  # issue 10: claims by outcome (core/metrics.py)
        raise
    except Exception:
        metrics_claim(outcome="error")
        raise
    metrics_claim(outcome="ok")
    return direction


def _claim(*, application: Application, group: Group, now: dt.datetime, expiry_checked: bool) -> Direction:
    try:
        with transaction.atomic():
            application = Application.objects.select_for_update().get(pk=application.pk)
            if application.status == Application.Status.DIRECTED and not expiry_checked:
                raise _ExpireFirst
            if not Group.kindergarten.is_cached(group):  # the claim view passes it loaded
                group = Group.objects.select_related("kindergarten").get(pk=group.pk)
            _claim_check(application=application, group=group)
            proposed = Direction(
                application=application,
                issued_at=now,
                valid_until=calendar_cached().add_working_days(now, DIRECTION_WORKING_DAYS),
                status=Direction.Status.BENEFIT_CHECK if application.benefit_status == BenefitStatus.CLAIMED else Direction.Status.ISSUED,
            )
            if uses_database_sequences():
                claimed = _claim_at_once(application=application, group=group, now=now, direction=proposed)
                if isinstance(claimed, str):
                    raise Refusal(claimed)
                direction, seat_state, grants_ended = claimed  # the application is `directed` by the same statement
            else:  # SQLite: today's steps, numbers from the Counter row (the replays stay as they were)
                has_grant = group.kind in open_grant_kinds(application=application, now=now)
                seat = _seat_take(claimable_seats(application=application, group=group, now=now, has_grant=has_grant))
                if seat is None:
                    raise Refusal(_claim_refusal(application=application, group=group, now=now, has_grant=has_grant))
                seat_state = seat.state
                direction = proposed
                direction.seat = seat
                direction.publication_id = seat.publications.order_by("-id").values_list("id", flat=True).first()
                direction.number = sequence_next("direction")
                direction.save(force_insert=True)
                grants_ended = grants_end(application_ids=[application.pk], now=now)
                Application.objects.filter(pk=application.pk).update(status=Application.Status.DIRECTED, status_changed_at=now)
            application.status = Application.Status.DIRECTED
            application.status_changed_at = now
            message_enqueue(application=application, event="direction_issued", now=now, context=_direction_context(direction, group, application.language))
            audit_record(
                action="seat.claim",
                obj=direction,
                now=now,
                changes={"application.status": ("queued", "directed"), "seat.state": (seat_state, "claimed")},
                details={
                    "application": application.number,
                    "seat": direction.seat_id,
                    "direction": direction.number,
                    "status": direction.status,
                    "grants_ended": grants_ended,  # SPEC §6: they end when the application leaves the queue
                },
            )
            return direction
    except IntegrityError as exc:  # the partial unique indexes said no: someone else won
        raise Refusal("no_seat") from exc


def _claim_check(*, application: Application, group: Group) -> None:
    """SPEC §7 refusals that do not depend on seats or grants, in order."""
    if application.status != Application.Status.QUEUED:
        raise Refusal("not_queued")
    if group.kindergarten.locality_id != application.locality_id or group.kind not in application.queue_kinds:
        raise Refusal("not_eligible")


def _claim_eligibility(*, application: Application, group: Group, now: dt.datetime) -> bool:
    """SPEC §7 refusals that do not depend on the seats (in order); returns whether a grant is open."""
    _claim_check(application=application, group=group)
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
    """Lock and mark the first claimable seat in `seats`' order (published_at, id: SPEC §7, see
    `_claim_at_once` under contention). Seats locked by other transactions are skipped, never
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


# SPEC §7 claimable, in SQL: the same conditions as claimable_seats (seats_general_q, and
# seats_priority_open_q with an open grant of this application in the group's queue, SPEC §6).
_CLAIMABLE_SQL = """
    c.group_id = %(group)s AND c.birth_year = %(birth_year)s AND (
        c.state = 'general'
        OR (c.state = 'priority' AND c.priority_until <= %(now)s)
        OR (c.state = 'priority' AND c.open_at <= %(now)s AND c.priority_until > %(now)s AND EXISTS (
            SELECT 1 FROM {grant} g
            WHERE g.application_id = %(application)s AND g.kind = %(kind)s
              AND g.ended_at IS NULL AND g.from_at <= %(now)s AND g.until_at > %(now)s)))
"""


def _claim_at_once(*, application: Application, group: Group, now: dt.datetime, direction: Direction) -> tuple[Direction, str, list[int]] | str:
    """PostgreSQL: in ONE statement, lock and mark the first claimable seat, insert `direction` for
    it with the next number, make the application `directed` (its row is already locked by the
    caller) and end its grants (queues.services.grants_end, SPEC §6)
    → (the direction saved, the seat's state before, the grants ended); or, when no seat was taken, the refusal
    (`_claim_refusal`'s answer, read by the same statement).

    Same rules as `_seat_take`: locked seats are skipped, never waited for; when every candidate is
    busy, try again briefly rather than say `no_seat`. Nothing is written, and no number taken,
    unless a seat is. A unique-index refusal raises IntegrityError, as Direction.save would.

    "The seat published earliest" under contention (SPEC §7, clarified there): the candidate is the
    first row in (published_at, id) order that no other transaction holds locked at that instant.
    `ORDER BY … LIMIT 1 FOR UPDATE SKIP LOCKED` walks the claimable seats in that order and passes
    over only the locked ones (another claim taking it, a withdrawal, the promotion), so a claim
    takes a later seat only while every earlier claimable seat is locked; one free and unlocked is
    always taken first (tests/placements/test_claim_earliest_under_contention.py)."""
    seat_table, grant_table = Seat._meta.db_table, Grant._meta.db_table
    publication_table, direction_table = Publication._meta.db_table, Direction._meta.db_table
    application_table = Application._meta.db_table
    params = {"group": group.pk, "birth_year": application.birth_year, "now": now, "application": application.pk, "kind": group.kind}
    # The direction's columns as Direction.save would write them; the seat, its latest publication
    # and the number come from the statement.
    from_statement = {"seat_id": "taken.id", "publication_id": "taken.publication_id", "number": sequence_sql("direction")}
    columns, values = [], []
    for field in Direction._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.attname in from_statement:
            values.append(from_statement[field.attname])
        else:
            params[f"d_{field.attname}"] = field.get_db_prep_save(getattr(direction, field.attname), connection)
            values.append(f"%(d_{field.attname})s")
    claimable = _CLAIMABLE_SQL.format(grant=grant_table)
    same_seats = "c.group_id = %(group)s AND c.birth_year = %(birth_year)s"
    priority = f"SELECT 1 FROM {seat_table} c WHERE {same_seats} AND c.state = 'priority' AND c.priority_until > %(now)s"
    # When no seat is taken (and only then: CASE reads its subqueries lazily), what `_seat_take`
    # and `_claim_refusal` would ask next: is a claimable seat merely busy, and which refusal.
    claim = f"""
        WITH taken AS (
            UPDATE {seat_table} AS s SET state = 'claimed'
            FROM (
                SELECT c.id, c.state FROM {seat_table} c
                WHERE {claimable}
                ORDER BY c.published_at, c.id
                LIMIT 1
                FOR UPDATE SKIP LOCKED
            ) AS candidate
            WHERE s.id = candidate.id
            RETURNING s.id, candidate.state AS state_before,
                (SELECT p.id FROM {publication_table} p WHERE p.seat_id = s.id ORDER BY p.id DESC LIMIT 1) AS publication_id
        ), issued AS (
            INSERT INTO {direction_table} ({", ".join(columns)})
            SELECT {", ".join(values)} FROM taken
            RETURNING id, number, seat_id, publication_id
        ), directed AS (
            UPDATE {application_table} SET status = 'directed', status_changed_at = %(now)s
            WHERE id = %(application)s AND EXISTS (SELECT 1 FROM taken)
        ), ended AS (
            UPDATE {grant_table} SET ended_at = %(now)s
            WHERE application_id = %(application)s AND ended_at IS NULL AND until_at > %(now)s AND EXISTS (SELECT 1 FROM taken)
            RETURNING id
        )
        SELECT done.id, done.number, done.seat_id, done.publication_id, done.state_before,
            (SELECT array_agg(ended.id ORDER BY ended.id) FROM ended) AS grants_ended,
            CASE WHEN done.id IS NULL THEN
                CASE
                    WHEN EXISTS (SELECT 1 FROM {seat_table} c WHERE {claimable}) THEN 'busy'
                    WHEN EXISTS ({priority} AND c.open_at > %(now)s) THEN 'not_open_yet'
                    WHEN EXISTS ({priority} AND c.open_at <= %(now)s) AND NOT EXISTS (
                        SELECT 1 FROM {grant_table} g WHERE g.application_id = %(application)s AND g.kind = %(kind)s
                          AND g.ended_at IS NULL AND g.from_at <= %(now)s AND g.until_at > %(now)s) THEN 'no_access'
                    ELSE 'no_seat'
                END
            END
        FROM (VALUES (1)) AS one (x)
        LEFT JOIN (SELECT issued.*, taken.state_before FROM issued, taken) AS done ON true
    """
    with connection.cursor() as cursor:
        for _ in range(CLAIM_BUSY_RETRIES):
            cursor.execute(claim, params)
            pk, number, seat_id, publication_id, state_before, grants_ended, refusal = cursor.fetchone()
            if pk is not None:
                direction.pk, direction.number, direction.seat_id, direction.publication_id = pk, number, seat_id, publication_id
                direction._state.adding = False
                direction._state.db = connection.alias
                return direction, state_before, grants_ended or []
            if refusal != "busy":  # nothing claimable left at all, busy or not
                return refusal
            time.sleep(CLAIM_BUSY_PAUSE)
    has_grant = group.kind in open_grant_kinds(application=application, now=now)
    return _claim_refusal(application=application, group=group, now=now, has_grant=has_grant)


def _claim_refusal(*, application: Application, group: Group, now: dt.datetime, has_grant: bool) -> str:
    seats = Seat.objects.filter(group=group, birth_year=application.birth_year, state=Seat.State.PRIORITY, priority_until__gt=now)
    if seats.filter(open_at__gt=now).exists():
        return "not_open_yet"
    if not has_grant and seats.filter(open_at__lte=now).exists():
        return "no_access"
    return "no_seat"


def _direction_context(direction: Direction, group: Group, language: str) -> dict:
    """The names are in the recipient's language: the message is stored, and sent later (issue 11)."""
    return {
        "direction": direction.number or "",
        "kindergarten": group.kindergarten.display_name(language),
        "group": group.display_name(language),
        "valid_until": local(direction.valid_until).strftime("%d.%m.%Y %H:%M"),
    }


def active_direction(application: Application) -> Direction | None:
    return application.directions.filter(status__in=Direction.ACTIVE_STATUSES).select_related("seat__group__kindergarten").first()


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
        changes={"status": (direction.status, status), "seat.state": ("claimed", "released")},
        details={"direction": direction.number, "seat": direction.seat_id, "application": application.number},
    )


def direction_expire_due(*, application: Application, now: dt.datetime) -> None:
    """SPEC §7: a direction is expired from valid_until on, even if the minute job has not run yet.

    In its own transaction, so that a refusal of the action that follows (a claim) cannot roll the
    expiry (and its strike) back. Waits for the rows' locks rather than skipping them (issue 13)."""
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        direction_active_locked(application=application, now=now)


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


def _parent_direction(application: Application, now: dt.datetime) -> tuple[Application, Direction | None]:
    application = Application.objects.select_for_update().get(pk=application.pk)
    return application, direction_active_locked(application=application, now=now)


def direction_extend(*, application: Application, now: dt.datetime) -> Direction:
    """SPEC §7: once, while t < add_working_days(issued_at, 4): valid until issued date + 30 days."""
    with transaction.atomic():
        application, direction = _parent_direction(application, now)
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
                application=application, event="direction_extended", now=now, context=_direction_context(direction, direction.seat.group, application.language)
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
        application, direction = _parent_direction(application, now)
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
                changes={"status": ("issued", "enrolled"), "seat.state": ("claimed", "enrolled"), "application.status": (before, "enrolled")},
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
        application, direction = _parent_direction(application, now)
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


def directions_expire(*, now: dt.datetime) -> int:
    """SPEC §7: active directions at or past valid_until expire. Idempotent and late-safe; a batch
    of directions per transaction, set-based (placements.expiry)."""
    return directions_expire_all(now=now)


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
                context=_direction_context(direction, direction.seat.group, direction.application.language),
                key=key,  # a second run at the same time still sends once
            )
    return len(keys) - len(already)
