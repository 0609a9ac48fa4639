"""SPEC §7: a direction is expired from valid_until on, even before the minute job. A claim by a
family whose direction is past due expires it first, in its own transaction (issue 9 keeps this
while a claim by a queued family no longer looks for a direction to expire)."""

import pytest

from core.errors import Refusal
from placements.claims import seat_claim
from queues.models import Application
from tests.factories import ApplicationFactory, GroupFactory, astana, direction_issue, reloaded, seats_publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def directed():
    application = ApplicationFactory()
    direction = direction_issue(application=application)
    assert direction.valid_until == astana(2024, 6, 13, 7)
    return reloaded(application), direction


def test_a_claim_past_valid_until_expires_the_direction_first_and_then_claims(directed):
    application, old = directed
    group = GroupFactory(kindergarten__locality=application.locality)
    seats_publish(group=group)
    new = seat_claim(application=application, group=group, now=astana(2024, 6, 13, 7))
    old, application = reloaded(old, application)
    assert old.status == "expired"
    assert (new.status, application.status, application.strikes) == ("issued", "directed", 1)


def test_a_refused_claim_past_valid_until_keeps_the_expiry_and_its_strike(directed):
    application, old = directed
    group = GroupFactory(kindergarten__locality=application.locality)  # no seat in it
    with pytest.raises(Refusal) as refused:
        seat_claim(application=application, group=group, now=astana(2024, 6, 13, 7))
    assert refused.value.code == "no_seat"
    old, application = reloaded(old, application)
    assert (old.status, application.status, application.strikes) == ("expired", Application.Status.QUEUED, 1)


def test_a_claim_before_valid_until_is_refused_as_not_queued_and_expires_nothing(directed):
    application, old = directed
    group = GroupFactory(kindergarten__locality=application.locality)
    seats_publish(group=group)
    with pytest.raises(Refusal) as refused:
        seat_claim(application=application, group=group, now=astana(2024, 6, 13, 6, 59))
    assert refused.value.code == "not_queued"
    assert reloaded(old).status == "issued"
