"""SPEC §3, §7: staff reject a claimed benefit — it counts as none; an active direction is revoked."""

import datetime as dt

import pytest

from core.errors import Refusal
from placements.application_actions import application_withdraw, benefit_confirm, benefit_reject
from placements.bulletin import bulletin_publish
from placements.models import Publication
from queues.selectors import application_positions
from tests.factories import FILED_AT, ApplicationFactory, astana, direction_issue, reloaded

pytestmark = pytest.mark.django_db

REJECTED_AT = astana(2024, 6, 7, 11)  # Friday, while the direction is active


def test_rejecting_a_benefit_of_a_queued_application_keeps_it_queued_as_none():
    application = ApplicationFactory(benefit="priority")
    benefit_reject(application=application, now=astana(2024, 5, 3), reason="no documents")
    application.refresh_from_db()
    assert application.status == "queued"
    assert application.benefit == "priority"  # the word as filed stays
    assert application.benefit_status == "rejected"
    assert application.effective_benefit == "none"
    assert application_positions(application)["general"].klass == "none"


def test_rejecting_the_benefit_revokes_the_active_direction_and_releases_its_seat():
    application = ApplicationFactory(benefit="priority")
    direction = direction_issue(application=application)
    benefit_reject(application=application, now=REJECTED_AT)
    direction, application = reloaded(direction, application)
    seat = direction.seat
    assert direction.status == "revoked"
    assert direction.ended_at == REJECTED_AT
    assert seat.state == "released"
    assert seat.released_at == REJECTED_AT
    assert (seat.published_at, seat.open_at, seat.priority_until) == (None, None, None)


def test_after_a_revoked_direction_the_application_returns_to_the_queue_as_none_with_no_strike():
    application = ApplicationFactory(benefit="priority")
    ApplicationFactory(locality=application.locality, filed_at=astana(2024, 5, 10))
    direction_issue(application=application)
    benefit_reject(application=application, now=REJECTED_AT)
    application.refresh_from_db()
    assert application.status == "queued"
    assert application.strikes == 0
    assert application.filed_at == FILED_AT
    position = application_positions(application)["general"]
    assert (position.klass, position.position) == ("none", 1)


def test_a_seat_of_a_revoked_direction_is_published_again_with_a_new_window():
    application = ApplicationFactory(benefit="priority")
    direction = direction_issue(application=application)
    benefit_reject(application=application, now=REJECTED_AT)
    bulletin_publish(now=astana(2024, 6, 7, 18))
    seat = reloaded(direction.seat)
    assert seat.state == "priority"
    assert seat.published_at == astana(2024, 6, 7, 18)
    assert seat.open_at == astana(2024, 6, 8, 7)
    assert seat.priority_until == astana(2024, 6, 13, 7)  # Saturday → Monday, then three working days
    assert Publication.objects.filter(seat=seat).count() == 2


def test_rejecting_a_benefit_twice_is_refused():
    application = ApplicationFactory(benefit="extraordinary")
    benefit_reject(application=application, now=astana(2024, 5, 3))
    with pytest.raises(Refusal) as refused:
        benefit_reject(application=application, now=astana(2024, 5, 4))
    assert refused.value.code == "benefit_not_pending"


def test_rejecting_a_confirmed_benefit_is_refused():
    application = ApplicationFactory(benefit="priority")
    benefit_confirm(application=application, now=astana(2024, 5, 3))
    with pytest.raises(Refusal) as refused:
        benefit_reject(application=application, now=astana(2024, 5, 4))
    assert refused.value.code == "benefit_not_pending"


def test_rejecting_without_a_benefit_is_refused():
    with pytest.raises(Refusal) as refused:
        benefit_reject(application=ApplicationFactory(benefit="none"), now=astana(2024, 5, 3))
    assert refused.value.code == "benefit_not_pending"


def test_a_benefit_rejected_after_valid_until_finds_the_direction_already_expired():
    application = ApplicationFactory(benefit="priority")
    direction = direction_issue(application=application)
    benefit_reject(application=application, now=direction.valid_until + dt.timedelta(seconds=30))
    application, direction = reloaded(application, direction)
    assert direction.status == "expired"
    assert (application.status, application.strikes, application.benefit_status) == ("queued", 1, "rejected")


def test_a_benefit_can_be_rejected_whatever_the_application_status():
    application = ApplicationFactory(benefit="priority")
    application_withdraw(application=application, now=astana(2024, 5, 3))
    benefit_reject(application=application, now=astana(2024, 5, 4))
    application.refresh_from_db()
    assert (application.status, application.benefit_status) == ("withdrawn", "rejected")
