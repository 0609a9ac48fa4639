"""SPEC §7: at valid_until an active direction expires — a strike, back to the queue or archived."""

import datetime as dt

import pytest

from placements.bulletin import bulletin_publish
from placements.directions import direction_extend
from placements.expiry import directions_expire
from placements.models import Direction
from queues.selectors import application_positions
from tests.factories import FILED_AT, ApplicationFactory, astana, direction_issue, reloaded

pytestmark = pytest.mark.django_db

VALID_UNTIL = astana(2024, 6, 13, 7)  # direction_issue: issued Thursday 06.06 07:00 + 5 working days


def test_a_direction_is_not_expired_before_valid_until():
    application = ApplicationFactory()
    direction = direction_issue(application=application)
    assert directions_expire(now=VALID_UNTIL - dt.timedelta(seconds=1)) == 0
    assert reloaded(direction).status == "issued"


def test_at_valid_until_the_direction_expires_the_seat_is_released_and_the_application_returns_with_a_strike():
    application = ApplicationFactory()
    direction = direction_issue(application=application)
    assert directions_expire(now=VALID_UNTIL) == 1
    application, direction = reloaded(application, direction)
    assert (direction.status, direction.ended_at) == ("expired", VALID_UNTIL)
    assert (direction.seat.state, direction.seat.published_at) == ("released", None)
    assert (application.status, application.strikes, application.filed_at) == ("queued", 1, FILED_AT)
    assert application_positions(application)["general"].position == 1


def test_a_direction_in_benefit_check_expires_too():
    application = ApplicationFactory(benefit="priority")
    direction = direction_issue(application=application)
    directions_expire(now=VALID_UNTIL)
    assert reloaded(direction).status == "expired"


def test_expiring_twice_changes_nothing_the_second_time():
    application = ApplicationFactory()
    direction_issue(application=application)
    assert directions_expire(now=VALID_UNTIL) == 1
    assert directions_expire(now=VALID_UNTIL) == 0
    assert directions_expire(now=astana(2024, 6, 20)) == 0
    assert reloaded(application).strikes == 1
    assert Direction.objects.filter(status="expired").count() == 1


def test_a_late_run_expires_every_direction_past_its_valid_until():
    apps = [ApplicationFactory() for _ in range(3)]
    directions = [direction_issue(application=a) for a in apps]
    assert directions_expire(now=astana(2024, 6, 14, 12)) == 3
    assert {reloaded(d).status for d in directions} == {"expired"}


def test_an_extended_direction_does_not_expire_at_its_first_valid_until():
    application = ApplicationFactory()
    direction = direction_issue(application=application)
    direction_extend(application=application, now=astana(2024, 6, 7))
    assert directions_expire(now=VALID_UNTIL) == 0
    assert directions_expire(now=astana(2024, 7, 6, 7)) == 1
    assert reloaded(direction).status == "expired"


def test_a_second_expiry_archives_the_application_as_expired_twice():
    application = ApplicationFactory()
    direction_issue(application=application)
    directions_expire(now=VALID_UNTIL)
    second = direction_issue(application=application, released_at=astana(2024, 6, 13, 8), published_at=astana(2024, 6, 13, 18), now=astana(2024, 6, 19, 7))
    directions_expire(now=second.valid_until)
    application.refresh_from_db()
    assert (application.status, application.archive_reason, application.strikes) == ("archived", "expired_twice", 2)
    assert reloaded(second).seat.state == "released"


def test_the_seat_of_an_expired_direction_is_published_again_with_a_new_window():
    application = ApplicationFactory()
    direction = direction_issue(application=application)
    directions_expire(now=VALID_UNTIL)
    bulletin_publish(now=astana(2024, 6, 13, 18))
    seat = reloaded(direction.seat)
    assert (seat.state, seat.published_at, seat.open_at, seat.priority_until) == (
        "priority",
        astana(2024, 6, 13, 18),
        astana(2024, 6, 14, 7),
        astana(2024, 6, 19, 7),
    )
