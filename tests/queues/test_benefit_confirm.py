"""SPEC §3, §7: staff confirm a claimed benefit."""

import pytest

from core.errors import Refusal
from placements.application_actions import application_withdraw, benefit_confirm, benefit_reject
from placements.claims import seat_claim
from tests.factories import OPEN_AT, ApplicationFactory, GroupFactory, astana, direction_issue, reloaded, seats_publish

pytestmark = pytest.mark.django_db


def test_confirming_a_claimed_benefit_marks_it_confirmed():
    application = ApplicationFactory(benefit="priority")
    benefit_confirm(application=application, now=astana(2024, 5, 3))
    application.refresh_from_db()
    assert application.benefit_status == "confirmed"
    assert application.effective_benefit == "priority"


def test_confirming_the_benefit_turns_a_direction_in_benefit_check_into_issued():
    application = ApplicationFactory(benefit="priority")
    direction = direction_issue(application=application)
    assert direction.status == "benefit_check"
    benefit_confirm(application=application, now=astana(2024, 6, 6, 12))
    direction, application = reloaded(direction, application)
    assert direction.status == "issued"
    assert application.status == "directed"


def test_a_direction_issued_after_confirmation_is_issued_at_once():
    application = ApplicationFactory(benefit="extraordinary")
    benefit_confirm(application=application, now=astana(2024, 5, 3))
    group = GroupFactory(kindergarten__locality=application.locality)
    seats_publish(group=group)
    assert seat_claim(application=application, group=group, now=OPEN_AT).status == "issued"


def test_confirming_an_application_without_a_benefit_is_refused():
    with pytest.raises(Refusal) as refused:
        benefit_confirm(application=ApplicationFactory(benefit="none"), now=astana(2024, 5, 3))
    assert refused.value.code == "benefit_not_pending"


def test_confirming_twice_is_refused():
    application = ApplicationFactory(benefit="priority")
    benefit_confirm(application=application, now=astana(2024, 5, 3))
    with pytest.raises(Refusal) as refused:
        benefit_confirm(application=application, now=astana(2024, 5, 4))
    assert refused.value.code == "benefit_not_pending"


def test_confirming_a_rejected_benefit_is_refused():
    application = ApplicationFactory(benefit="priority")
    benefit_reject(application=application, now=astana(2024, 5, 3))
    with pytest.raises(Refusal) as refused:
        benefit_confirm(application=application, now=astana(2024, 5, 4))
    assert refused.value.code == "benefit_not_pending"
    application.refresh_from_db()
    assert application.benefit_status == "rejected"


def test_a_benefit_can_be_confirmed_whatever_the_application_status():
    application = ApplicationFactory(benefit="priority")
    application_withdraw(application=application, now=astana(2024, 5, 3))
    benefit_confirm(application=application, now=astana(2024, 5, 4))
    application.refresh_from_db()
    assert (application.status, application.benefit_status) == ("withdrawn", "confirmed")
