"""SPEC §7: the parent declines an active direction — a strike, like an expiry."""

import pytest

from core.errors import Refusal
from placements.bulletin import bulletin_publish
from placements.directions import direction_cancel
from placements.expiry import directions_expire
from queues.selectors import application_positions
from tests.factories import FILED_AT, ApplicationFactory, astana, direction_issue, reloaded

pytestmark = pytest.mark.django_db

CANCELLED_AT = astana(2024, 6, 7, 9)
# A second direction: a seat released Friday 07.06, published at 18:00, claimed when general (Thursday 13.06).
SECOND_ROUND = {"released_at": astana(2024, 6, 7, 10), "published_at": astana(2024, 6, 7, 18), "now": astana(2024, 6, 13, 7)}


def test_cancelling_ends_the_direction_releases_the_seat_and_gives_a_strike():
    application = ApplicationFactory()
    direction = direction_issue(application=application)
    direction_cancel(application=application, now=CANCELLED_AT)
    application, direction = reloaded(application, direction)
    assert (direction.status, direction.ended_at) == ("cancelled", CANCELLED_AT)
    assert (direction.seat.state, direction.seat.released_at) == ("released", CANCELLED_AT)
    assert (application.status, application.strikes, application.archive_reason) == ("queued", 1, None)


def test_after_cancelling_the_application_is_back_in_its_place_with_its_original_filed_at():
    application = ApplicationFactory()
    ApplicationFactory(locality=application.locality, filed_at=astana(2024, 5, 20))
    direction_issue(application=application)
    direction_cancel(application=application, now=CANCELLED_AT)
    application.refresh_from_db()
    assert application.filed_at == FILED_AT
    assert application_positions(application)["general"].position == 1


def test_a_direction_in_benefit_check_can_be_cancelled():
    application = ApplicationFactory(benefit="priority")
    direction_issue(application=application)
    assert direction_cancel(application=application, now=CANCELLED_AT).status == "cancelled"


def test_the_seat_of_a_cancelled_direction_is_published_in_the_next_bulletin():
    application = ApplicationFactory()
    direction = direction_issue(application=application)
    direction_cancel(application=application, now=CANCELLED_AT)
    bulletin = bulletin_publish(now=astana(2024, 6, 7, 18))
    assert list(bulletin.publications.values_list("seat_id", flat=True)) == [direction.seat_id]
    assert reloaded(direction.seat).state == "priority"


def test_a_second_cancellation_archives_the_application_as_expired_twice():
    application = ApplicationFactory()
    direction_issue(application=application)
    direction_cancel(application=application, now=CANCELLED_AT)
    direction_issue(application=application, **SECOND_ROUND)
    direction_cancel(application=application, now=astana(2024, 6, 13, 8))
    application.refresh_from_db()
    assert (application.status, application.archive_reason, application.strikes) == ("archived", "expired_twice", 2)
    assert application_positions(application) == {}


def test_an_expiry_and_a_cancellation_archive_the_application_as_expired_twice():
    application = ApplicationFactory()
    direction_issue(application=application)
    directions_expire(now=astana(2024, 6, 13, 7))
    direction_issue(application=application, released_at=astana(2024, 6, 13, 8), published_at=astana(2024, 6, 13, 18), now=astana(2024, 6, 19, 7))
    direction_cancel(application=application, now=astana(2024, 6, 19, 8))
    application.refresh_from_db()
    assert (application.status, application.archive_reason) == ("archived", "expired_twice")


def test_cancelling_without_an_active_direction_is_refused():
    application = ApplicationFactory()
    with pytest.raises(Refusal) as refused:
        direction_cancel(application=application, now=CANCELLED_AT)
    assert refused.value.code == "no_direction"
    assert reloaded(application).strikes == 0
