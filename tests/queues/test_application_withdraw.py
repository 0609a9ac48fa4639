"""SPEC §7: the parent withdraws the application."""

import datetime as dt

import pytest

from core.errors import Refusal
from placements.application_actions import application_withdraw
from placements.directions import direction_enroll
from placements.models import Grant
from queues.services import applications_archive_over_age
from tests.factories import ApplicationFactory, GroupFactory, astana, direction_issue, reloaded, seats_publish

pytestmark = pytest.mark.django_db

WITHDRAWN_AT = astana(2024, 6, 7, 9)


def test_withdrawing_a_queued_application_takes_it_out_of_the_queue():
    application = ApplicationFactory()
    application_withdraw(application=application, now=astana(2024, 5, 3))
    application.refresh_from_db()
    assert application.status == "withdrawn"
    assert application.archive_reason is None


def test_withdrawing_a_directed_application_cancels_its_direction_and_releases_the_seat_without_a_strike():
    application = ApplicationFactory()
    direction = direction_issue(application=application)
    application_withdraw(application=application, now=WITHDRAWN_AT)
    application, direction = reloaded(application, direction)
    assert application.status == "withdrawn"
    assert application.strikes == 0
    assert direction.status == "cancelled"
    assert direction.ended_at == WITHDRAWN_AT
    assert direction.seat.state == "released"
    assert direction.seat.released_at == WITHDRAWN_AT


def test_withdrawing_ends_an_open_grant():
    application = ApplicationFactory()
    seats_publish(group=GroupFactory(kindergarten__locality=application.locality))
    application_withdraw(application=application, now=astana(2024, 6, 3, 9))
    grant = Grant.objects.get(application=application)
    assert grant.ended_at == astana(2024, 6, 3, 9)


@pytest.mark.parametrize("how", ["withdrawn", "enrolled", "archived"])
def test_withdrawing_an_application_that_is_not_active_is_refused(how):
    if how == "withdrawn":
        application = ApplicationFactory()
        application_withdraw(application=application, now=astana(2024, 5, 3))
    elif how == "enrolled":
        application = ApplicationFactory()
        direction_issue(application=application)
        direction_enroll(application=application, now=astana(2024, 6, 7))
    else:
        application = ApplicationFactory(child_birth_date=dt.date(2018, 6, 15))  # 6 on 01.09.2024
        applications_archive_over_age(now=astana(2024, 6, 1))
    with pytest.raises(Refusal) as refused:
        application_withdraw(application=application, now=astana(2024, 6, 8))
    assert refused.value.code == "not_active"


def test_withdrawing_after_valid_until_finds_the_direction_already_expired():
    application = ApplicationFactory()
    direction = direction_issue(application=application)
    application_withdraw(application=application, now=direction.valid_until + dt.timedelta(seconds=30))
    application, direction = reloaded(application, direction)
    assert direction.status == "expired"
    assert application.status == "withdrawn"
