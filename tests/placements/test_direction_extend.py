"""SPEC §7: a direction may be extended once, within four working days of its issue."""

import datetime as dt

import pytest

from core.calendar import local
from core.errors import Refusal
from placements.bulletin import bulletin_publish
from placements.claims import seat_claim
from placements.directions import direction_enroll, direction_extend
from placements.seats import seat_release
from tests.factories import ApplicationFactory, GroupFactory, astana, direction_issue, reloaded

pytestmark = pytest.mark.django_db

# direction_issue: issued Thursday 06.06.2024 07:00, valid until Thursday 13.06 07:00.
ISSUED_AT = astana(2024, 6, 6, 7)
EXTENSION_CLOSES = astana(2024, 6, 12, 7)  # add_working_days(issued_at, 4): Wednesday


def _extend_refusal(application, now) -> str:
    with pytest.raises(Refusal) as refused:
        direction_extend(application=application, now=now)
    return refused.value.code


def test_extending_makes_the_direction_valid_until_30_days_after_its_issue_date_at_the_same_time():
    application = ApplicationFactory()
    direction = direction_issue(application=application)
    assert direction.issued_at == ISSUED_AT
    direction_extend(application=application, now=astana(2024, 6, 7, 15))
    direction = reloaded(direction)
    assert direction.extended is True
    assert direction.valid_until == astana(2024, 7, 6, 7)
    assert direction.status == "issued"


def test_extending_is_allowed_until_just_before_four_working_days_have_passed():
    application = ApplicationFactory()
    direction_issue(application=application)
    direction = direction_extend(application=application, now=EXTENSION_CLOSES - dt.timedelta(seconds=1))
    assert direction.extended is True


def test_extending_at_four_working_days_after_the_issue_is_refused():
    application = ApplicationFactory()
    direction = direction_issue(application=application)
    assert _extend_refusal(application, EXTENSION_CLOSES) == "extension_closed"
    direction = reloaded(direction)
    assert (direction.extended, direction.valid_until) == (False, astana(2024, 6, 13, 7))


def test_extending_twice_is_refused():
    application = ApplicationFactory()
    direction_issue(application=application)
    direction_extend(application=application, now=astana(2024, 6, 7))
    assert _extend_refusal(application, astana(2024, 6, 8)) == "already_extended"


def test_already_extended_is_checked_before_extension_closed():
    application = ApplicationFactory()
    direction_issue(application=application)
    direction_extend(application=application, now=astana(2024, 6, 7))
    assert _extend_refusal(application, astana(2024, 6, 20)) == "already_extended"


def test_extending_without_an_active_direction_is_refused():
    application = ApplicationFactory()
    assert _extend_refusal(application, astana(2024, 6, 7)) == "no_direction"


def test_extending_an_enrolled_direction_is_refused_as_no_direction():
    application = ApplicationFactory()
    direction_issue(application=application)
    direction_enroll(application=application, now=astana(2024, 6, 7))
    assert _extend_refusal(application, astana(2024, 6, 7, 1)) == "no_direction"


def test_extending_at_valid_until_is_refused_as_no_direction():
    application = ApplicationFactory()
    direction_issue(application=application)
    assert _extend_refusal(application, astana(2024, 6, 13, 7)) == "no_direction"


def test_a_refused_extension_at_valid_until_leaves_the_direction_expired_and_the_application_back_with_a_strike():
    application = ApplicationFactory()
    direction = direction_issue(application=application)
    _extend_refusal(application, astana(2024, 6, 13, 7))
    application, direction = reloaded(application, direction)
    assert direction.status == "expired"
    assert (application.status, application.strikes) == ("queued", 1)


def test_a_direction_in_benefit_check_can_be_extended():
    application = ApplicationFactory(benefit="priority")
    direction = direction_issue(application=application)
    assert direction.status == "benefit_check"
    assert direction_extend(application=application, now=astana(2024, 6, 7)).extended is True


def test_the_extension_keeps_the_local_time_across_the_1_march_2024_offset_change():
    # Astana moved from UTC+6 to UTC+5 on 01.03.2024: 10:00 stays 10:00 on the wall clock.
    group = GroupFactory(age_from=1, age_to=2)  # E = 2023 in February: 2023 − 2022 = 1
    application = ApplicationFactory(locality=group.kindergarten.locality, filed_at=astana(2024, 1, 10))
    seat_release(group=group, birth_year=2022, count=1, now=astana(2024, 2, 19, 10))
    bulletin_publish(now=astana(2024, 2, 19, 18))
    direction = seat_claim(application=application, group=group, now=astana(2024, 2, 20, 10))
    assert direction.issued_at.utcoffset() is not None and local(direction.issued_at).utcoffset() == dt.timedelta(hours=6)
    direction_extend(application=application, now=astana(2024, 2, 21))
    valid_until = local(reloaded(direction).valid_until)
    assert (valid_until.date(), valid_until.hour, valid_until.minute) == (dt.date(2024, 3, 21), 10, 0)
    assert valid_until.utcoffset() == dt.timedelta(hours=5)
