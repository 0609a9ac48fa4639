"""SPEC §7: the kindergarten enrolls the child on an issued direction."""

import datetime as dt

import pytest

from core.errors import Refusal
from placements.application_actions import benefit_confirm
from placements.directions import direction_enroll
from placements.expiry import directions_expire
from placements.models import Direction
from queues.selectors import application_positions
from tests.factories import ApplicationFactory, astana, direction_issue, reloaded

pytestmark = pytest.mark.django_db

ENROLLED_AT = astana(2024, 6, 10, 11)


def _enroll_refusal(application, now) -> str:
    with pytest.raises(Refusal) as refused:
        direction_enroll(application=application, now=now)
    return refused.value.code


def test_enrolling_on_an_issued_direction_enrolls_the_child_on_its_seat():
    application = ApplicationFactory()
    direction = direction_issue(application=application)
    direction_enroll(application=application, now=ENROLLED_AT, contract_number="Д-17")
    application, direction = reloaded(application, direction)
    assert (direction.status, direction.ended_at, direction.contract_number) == ("enrolled", ENROLLED_AT, "Д-17")
    assert direction.seat.state == "enrolled"
    assert application.status == "enrolled"
    assert application_positions(application) == {}


def test_enrolling_while_the_benefit_is_unconfirmed_is_refused():
    application = ApplicationFactory(benefit="priority")
    direction = direction_issue(application=application)
    assert _enroll_refusal(application, ENROLLED_AT) == "benefit_unconfirmed"
    application, direction = reloaded(application, direction)
    assert (direction.status, application.status, direction.seat.state) == ("benefit_check", "directed", "claimed")


def test_enrolling_after_the_benefit_is_confirmed_succeeds():
    application = ApplicationFactory(benefit="priority")
    direction_issue(application=application)
    benefit_confirm(application=application, now=astana(2024, 6, 7))
    assert direction_enroll(application=application, now=ENROLLED_AT).status == "enrolled"


def test_enrolling_without_an_active_direction_is_refused():
    assert _enroll_refusal(ApplicationFactory(), ENROLLED_AT) == "no_direction"


def test_enrolling_twice_is_refused():
    application = ApplicationFactory()
    direction_issue(application=application)
    direction_enroll(application=application, now=ENROLLED_AT)
    assert _enroll_refusal(application, astana(2024, 6, 11)) == "no_direction"


def test_enrolling_at_valid_until_is_refused_as_no_direction():
    application = ApplicationFactory()
    direction_issue(application=application)
    assert _enroll_refusal(application, astana(2024, 6, 13, 7)) == "no_direction"


def test_a_refused_enrollment_at_valid_until_leaves_the_direction_expired():
    application = ApplicationFactory()
    direction = direction_issue(application=application)
    _enroll_refusal(application, astana(2024, 6, 13, 7))
    application, direction = reloaded(application, direction)
    assert direction.status == "expired"
    assert direction.seat.state == "released"
    assert (application.status, application.strikes) == ("queued", 1)


def test_an_enrolled_direction_never_expires():
    application = ApplicationFactory()
    direction = direction_issue(application=application)
    direction_enroll(application=application, now=ENROLLED_AT)
    assert directions_expire(now=astana(2024, 7, 1)) == 0
    assert reloaded(direction).status == "enrolled"
    assert Direction.objects.filter(status="expired").count() == 0


def test_a_contract_date_in_the_future_is_refused():
    # Issue 11: "today" is Astana's: at 23:30 on 10.06 Astana time (18:30 UTC) the 11th is tomorrow.
    application = ApplicationFactory()
    direction = direction_issue(application=application)
    late_evening = astana(2024, 6, 10, 23, 30)
    with pytest.raises(Refusal) as refused:
        direction_enroll(application=application, now=late_evening, contract_date=dt.date(2024, 6, 11))
    assert refused.value.code == "contract_date_future"
    assert reloaded(direction).status == "issued"
    direction_enroll(application=application, now=late_evening, contract_date=dt.date(2024, 6, 10))
    assert reloaded(direction).contract_date == dt.date(2024, 6, 10)


def test_a_contract_date_before_the_direction_was_issued_is_refused():
    application = ApplicationFactory()
    direction = direction_issue(application=application)  # issued on 06.06.2024
    with pytest.raises(Refusal) as refused:
        direction_enroll(application=application, now=ENROLLED_AT, contract_date=dt.date(2024, 6, 5))
    assert refused.value.code == "contract_date_before_issue"
    assert reloaded(direction).status == "issued"
