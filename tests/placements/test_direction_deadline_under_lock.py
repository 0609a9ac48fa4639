"""SPEC §7 at valid_until while another transaction holds the direction's row (issue 13, item 2).

The early expiry check used to skip a row another action held (the kindergarten flagging documents,
say): an enrollment or a benefit rejection waiting behind that lock then acted on a direction already
past its deadline — enrolled a child on an expired direction, or revoked it without the strike an
expiry gives. Every action now decides by `valid_until > now` itself, under its own lock.

Two PostgreSQL connections: a thread holds the direction's row lock while the action runs at
valid_until in the test's own connection, waits for the lock and then decides.
"""

import threading
import time

import pytest
from django.db import connection, transaction

from audit.models import AuditRecord
from core.errors import Refusal
from placements.application_actions import application_withdraw, benefit_reject
from placements.directions import direction_cancel, direction_enroll, direction_extend
from placements.expiry import directions_expire
from placements.models import Direction
from tests.factories import ApplicationFactory, astana, direction_issue, reloaded

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks and several connections"),
]

VALID_UNTIL = astana(2024, 6, 13, 7)  # direction_issue claims on Thursday 6 June 07:00: 5 working days
HOLD = 0.5  # seconds the other transaction keeps the row


class _Holder:
    """Another transaction holding the direction's row lock, on its own connection."""

    def __init__(self, direction: Direction) -> None:
        self.direction = direction
        self.held = threading.Event()
        self.thread = threading.Thread(target=self._hold)

    def _hold(self) -> None:
        try:
            with transaction.atomic():
                Direction.objects.select_for_update().get(pk=self.direction.pk)
                self.held.set()
                time.sleep(HOLD)
        finally:
            connection.close()

    def __enter__(self) -> "_Holder":
        self.thread.start()
        assert self.held.wait(timeout=10), "the lock was never taken"
        return self

    def __exit__(self, *exc) -> None:
        self.thread.join(timeout=30)
        assert not self.thread.is_alive()


@pytest.fixture
def directed():
    application = ApplicationFactory()
    direction = direction_issue(application=application)
    assert direction.valid_until == VALID_UNTIL
    return reloaded(application), direction


@pytest.fixture
def benefit_directed():
    application = ApplicationFactory(benefit="priority")
    direction = direction_issue(application=application)
    assert (direction.status, direction.valid_until) == ("benefit_check", VALID_UNTIL)
    return reloaded(application), direction


def _expired_with_a_strike(application, direction):
    direction, application = reloaded(direction, application)
    assert direction.status == "expired"
    assert direction.ended_at == VALID_UNTIL
    assert direction.seat.state == "released"
    assert application.strikes == 1
    assert AuditRecord.objects.filter(action="direction.expired", object_id=str(direction.pk)).count() == 1
    return application


def test_an_enrollment_waiting_for_the_lock_at_valid_until_finds_the_direction_expired(directed):
    application, direction = directed
    with _Holder(direction), pytest.raises(Refusal) as refused:
        direction_enroll(application=application, now=VALID_UNTIL)
    assert refused.value.code == "no_direction"
    application = _expired_with_a_strike(application, direction)
    assert application.status == "queued"
    assert not AuditRecord.objects.filter(action="direction.enroll").exists()


def test_an_enrollment_of_the_shown_direction_is_refused_the_same_way(directed):
    application, direction = directed
    with _Holder(direction), pytest.raises(Refusal) as refused:
        direction_enroll(application=application, direction=direction, now=astana(2024, 6, 13, 9), contract_number="D-1")
    assert refused.value.code == "no_direction"
    assert reloaded(direction).status == "expired"


def test_a_benefit_rejection_at_valid_until_expires_with_a_strike_instead_of_revoking(benefit_directed):
    application, direction = benefit_directed
    with _Holder(direction):
        benefit_reject(application=application, now=VALID_UNTIL, reason="no documents")
    application = _expired_with_a_strike(application, direction)
    assert (application.status, application.benefit_status) == ("queued", "rejected")
    assert not Direction.objects.filter(status="revoked").exists()


def test_a_cancellation_at_valid_until_is_refused_and_the_expiry_stays(directed):
    application, direction = directed
    with _Holder(direction), pytest.raises(Refusal) as refused:
        direction_cancel(application=application, now=VALID_UNTIL)
    assert refused.value.code == "no_direction"
    assert _expired_with_a_strike(application, direction).status == "queued"


def test_an_extension_at_valid_until_is_refused_and_the_expiry_stays(directed):
    application, direction = directed
    with _Holder(direction), pytest.raises(Refusal) as refused:
        direction_extend(application=application, now=VALID_UNTIL)
    assert refused.value.code == "no_direction"
    assert reloaded(direction).valid_until == VALID_UNTIL  # not extended
    _expired_with_a_strike(application, direction)


def test_a_withdrawal_at_valid_until_expires_the_direction_first_then_withdraws(directed):
    application, direction = directed
    with _Holder(direction):
        application_withdraw(application=application, now=VALID_UNTIL)
    application = _expired_with_a_strike(application, direction)
    assert application.status == "withdrawn"
    assert not Direction.objects.filter(status="cancelled").exists()


def test_the_minute_job_skips_the_held_row_and_the_action_still_expires_it(directed):
    application, direction = directed
    with _Holder(direction):
        assert directions_expire(now=VALID_UNTIL) == 0  # skipped, never waited for
        with pytest.raises(Refusal):
            direction_enroll(application=application, now=VALID_UNTIL)
    _expired_with_a_strike(application, direction)
    assert directions_expire(now=VALID_UNTIL) == 0  # nothing left for the next run


def test_an_enrollment_waiting_for_the_lock_a_minute_before_valid_until_enrolls(directed):
    application, direction = directed
    with _Holder(direction):
        direction_enroll(application=application, now=astana(2024, 6, 13, 6, 59))
    direction, application = reloaded(direction, application)
    assert (direction.status, application.status, application.strikes) == ("enrolled", "enrolled", 0)
