"""SPEC §5: the operator may withdraw a seat that is released, priority or general."""

import pytest

from core.errors import Refusal
from placements.bulletin import bulletin_publish
from placements.claims import seat_claim
from placements.directions import direction_enroll
from placements.models import Bulletin, Publication
from placements.seats import seat_withdraw
from tests.factories import (
    BULLETIN_AT,
    OPEN_AT,
    PRIORITY_UNTIL,
    ApplicationFactory,
    GroupFactory,
    astana,
    direction_issue,
    reloaded,
    seats_publish,
    seats_release,
)

pytestmark = pytest.mark.django_db


def test_a_released_seat_can_be_withdrawn_and_is_never_published():
    [seat] = seats_release(group=GroupFactory())
    seat_withdraw(seat=seat, now=astana(2024, 6, 2, 15))
    seat = reloaded(seat)
    assert (seat.state, seat.withdrawn_at) == ("withdrawn", astana(2024, 6, 2, 15))
    assert bulletin_publish(now=BULLETIN_AT) is None
    assert not Publication.objects.exists()


@pytest.mark.parametrize("moment", [pytest.param(OPEN_AT, id="priority"), pytest.param(PRIORITY_UNTIL, id="general")])
def test_a_published_seat_can_be_withdrawn_and_then_nobody_can_claim_it(moment):
    group = GroupFactory()
    application = ApplicationFactory(locality=group.kindergarten.locality)  # holds the grant
    [seat] = seats_publish(group=group)
    seat_withdraw(seat=seat, now=moment)
    assert reloaded(seat).state == "withdrawn"
    with pytest.raises(Refusal) as refused:
        seat_claim(application=application, group=group, now=moment)
    assert refused.value.code == "no_seat"


def test_a_claimed_seat_cannot_be_withdrawn():
    direction = direction_issue(application=ApplicationFactory())
    with pytest.raises(Refusal) as refused:
        seat_withdraw(seat=direction.seat, now=astana(2024, 6, 7))
    assert refused.value.code == "seat_not_withdrawable"
    assert reloaded(direction.seat).state == "claimed"
    assert reloaded(direction).status == "issued"


def test_an_enrolled_seat_cannot_be_withdrawn():
    application = ApplicationFactory()
    direction = direction_issue(application=application)
    direction_enroll(application=application, now=astana(2024, 6, 7))
    with pytest.raises(Refusal) as refused:
        seat_withdraw(seat=direction.seat, now=astana(2024, 6, 8))
    assert refused.value.code == "seat_not_withdrawable"
    assert reloaded(direction.seat).state == "enrolled"


def test_a_withdrawn_seat_cannot_be_withdrawn_again():
    [seat] = seats_release(group=GroupFactory())
    seat_withdraw(seat=seat, now=astana(2024, 6, 2, 15))
    with pytest.raises(Refusal) as refused:
        seat_withdraw(seat=seat, now=astana(2024, 6, 2, 16))
    assert refused.value.code == "seat_not_withdrawable"
    assert reloaded(seat).withdrawn_at == astana(2024, 6, 2, 15)


def test_withdrawing_one_seat_leaves_the_others_of_the_release_claimable():
    group = GroupFactory()
    application = ApplicationFactory(locality=group.kindergarten.locality)
    first, second = seats_publish(group=group, count=2)
    seat_withdraw(seat=first, now=astana(2024, 6, 3, 6))
    assert seat_claim(application=application, group=group, now=OPEN_AT).seat_id == second.pk
    assert Bulletin.objects.count() == 1
