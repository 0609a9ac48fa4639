"""SPEC §3, §7: an application whose direction ended without enrollment goes back to the queue —
with a strike after an expiry or a cancellation, archived at the second strike or when over age."""

import datetime as dt

import pytest

from placements.application_actions import benefit_reject
from placements.bulletin import bulletin_publish
from placements.claims import seat_claim
from placements.directions import direction_cancel, direction_end
from placements.expiry import directions_expire
from placements.seats import seat_release
from queues.selectors import application_positions
from queues.services import application_requeue
from tests.factories import FILED_AT, ApplicationFactory, GroupFactory, astana, direction_issue, reloaded

pytestmark = pytest.mark.django_db

# A second seat: released Friday 07.06, published at 18:00, general from Thursday 13.06 07:00.
SECOND_ROUND = {"released_at": astana(2024, 6, 7, 10), "published_at": astana(2024, 6, 7, 18), "now": astana(2024, 6, 13, 7)}


def _directed_in_may(*, born: dt.date, **kwargs):
    """A child born in 2018 directed on Monday 27.05.2024 (E = 2023, a 5–6 group); valid until 03.06 10:00."""
    application = ApplicationFactory(child_birth_date=born, **kwargs)
    group = GroupFactory(kindergarten__locality=application.locality, age_from=5, age_to=6)
    seat_release(group=group, birth_year=2018, count=1, now=astana(2024, 5, 20, 10))
    bulletin_publish(now=astana(2024, 5, 20, 18))
    direction = seat_claim(application=application, group=group, now=astana(2024, 5, 27, 10))
    assert direction.valid_until == astana(2024, 6, 3, 10)
    return application, direction


def test_an_application_returned_with_a_strike_keeps_its_filed_at_and_place():
    application = ApplicationFactory()
    later = ApplicationFactory(locality=application.locality, filed_at=astana(2024, 5, 20))
    direction = direction_issue(application=application)
    direction_end(direction=direction, application=application, status="expired", now=astana(2024, 6, 13, 7))
    application_requeue(application=application, now=astana(2024, 6, 13, 7), strike=True)
    application.refresh_from_db()
    assert (application.status, application.strikes, application.filed_at) == ("queued", 1, FILED_AT)
    assert application_positions(application)["general"].position == 1
    assert application_positions(reloaded(later))["general"].position == 2


def test_a_second_strike_archives_the_application_as_expired_twice():
    application = ApplicationFactory()
    direction_issue(application=application)
    direction_cancel(application=application, now=astana(2024, 6, 7))
    direction = direction_issue(application=application, **SECOND_ROUND)
    direction_end(direction=direction, application=application, status="expired", now=direction.valid_until)
    application_requeue(application=application, now=direction.valid_until, strike=True)
    application.refresh_from_db()
    assert (application.status, application.archive_reason, application.strikes) == ("archived", "expired_twice", 2)
    assert application_positions(application) == {}


def test_a_return_without_a_strike_leaves_the_strikes_alone():
    application = ApplicationFactory()
    direction_issue(application=application)
    direction_cancel(application=application, now=astana(2024, 6, 7))
    direction = direction_issue(application=application, **SECOND_ROUND)
    direction_end(direction=direction, application=application, status="revoked", now=astana(2024, 6, 14))
    application_requeue(application=application, now=astana(2024, 6, 14), strike=False)
    application.refresh_from_db()
    assert (application.status, application.strikes) == ("queued", 1)


def test_a_child_returning_after_1_june_over_age_is_archived_over_age_after_an_expiry():
    application, direction = _directed_in_may(born=dt.date(2018, 7, 1))
    directions_expire(now=astana(2024, 6, 3, 10))
    application, direction = reloaded(application, direction)
    assert direction.status == "expired"
    assert (application.status, application.archive_reason) == ("archived", "over_age")


def test_a_child_returning_after_1_june_over_age_is_archived_over_age_after_a_revoked_direction():
    application, direction = _directed_in_may(born=dt.date(2018, 7, 1), benefit="priority")
    benefit_reject(application=application, now=astana(2024, 6, 3, 9))
    application, direction = reloaded(application, direction)
    assert direction.status == "revoked"
    assert (application.status, application.archive_reason, application.strikes) == ("archived", "over_age", 0)


def test_a_returning_child_with_sen_and_pmpk_is_not_archived_for_age():
    application, _ = _directed_in_may(born=dt.date(2018, 7, 1), sen_pmpk=True)
    direction_cancel(application=application, now=astana(2024, 6, 3, 9))
    application.refresh_from_db()
    assert (application.status, application.strikes) == ("queued", 1)


def test_a_child_returning_before_1_june_is_still_young_enough():
    application, _ = _directed_in_may(born=dt.date(2018, 7, 1))
    direction_cancel(application=application, now=astana(2024, 5, 31, 23, 59))
    assert reloaded(application).status == "queued"
