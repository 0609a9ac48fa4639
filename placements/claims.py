"""Claims (SPEC §7): a family takes the earliest-published claimable seat of a group in one
atomic step, and gets a direction. Refusals in SPEC §7's order; never a seat twice (row locks,
`SKIP LOCKED`, and the partial unique indexes as the backstop). Every caller passes `now`."""

from __future__ import annotations

import datetime as dt
import time

from django.db import IntegrityError, connection, transaction

from audit.services import audit_record
from core.calendar import calendar_cached
from core.errors import Refusal
from core.metrics import metrics_claim
from core.sequences import sequence_next, sequence_sql, uses_database_sequences
from notifications.services import message_enqueue
from placements.directions import direction_context, direction_expire_due
from placements.grants import grants_end
from placements.models import Direction, Grant, Group, Publication, Seat
from placements.rules import DIRECTION_WORKING_DAYS
from placements.selectors import open_grant_kinds, seats_general_q, seats_priority_open_q
from queues.models import Application, BenefitStatus
from queues.services import application_locked


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
            application = application_locked(application)
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
            message_enqueue(application=application, event="direction_issued", now=now, context=direction_context(direction, group, application.language))
            audit_record(
                action="seat.claim",
                obj=direction,
                now=now,
                changes={"application.status": (Application.Status.QUEUED, Application.Status.DIRECTED), "seat.state": (seat_state, Seat.State.CLAIMED)},
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
    caller) and end its grants (placements.grants.grants_end, SPEC §6)
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
