"""SPEC §5: a priority seat becomes general at priority_until."""

import datetime as dt

import pytest

from placements.claims import seat_claim
from placements.seats import seats_promote
from tests.factories import PRIORITY_UNTIL, ApplicationFactory, GroupFactory, astana, reloaded, seats_publish

pytestmark = pytest.mark.django_db


def test_priority_seats_become_general_at_priority_until_and_not_before():
    [seat] = seats_publish(group=GroupFactory())
    assert seats_promote(now=PRIORITY_UNTIL - dt.timedelta(seconds=1)) == 0
    assert reloaded(seat).state == "priority"
    assert seats_promote(now=PRIORITY_UNTIL) == 1
    assert reloaded(seat).state == "general"


def test_promoting_twice_changes_nothing_the_second_time():
    seats = seats_publish(group=GroupFactory(), count=3)
    assert seats_promote(now=PRIORITY_UNTIL) == 3
    assert seats_promote(now=PRIORITY_UNTIL) == 0
    assert seats_promote(now=astana(2024, 6, 7)) == 0
    assert {reloaded(s).state for s in seats} == {"general"}


def test_promotion_keeps_the_window_of_the_publication():
    [seat] = seats_publish(group=GroupFactory())
    before = (seat.published_at, seat.open_at, seat.priority_until)
    seats_promote(now=PRIORITY_UNTIL)
    seat = reloaded(seat)
    assert (seat.published_at, seat.open_at, seat.priority_until) == before


def test_a_seat_is_general_from_priority_until_even_before_the_promotion_runs():
    group = GroupFactory()
    ApplicationFactory(locality=group.kindergarten.locality)  # takes the only grant
    latecomer = ApplicationFactory(locality=group.kindergarten.locality)
    [seat] = seats_publish(group=group)
    direction = seat_claim(application=latecomer, group=group, now=PRIORITY_UNTIL)
    assert direction.seat_id == seat.pk
    assert seats_promote(now=PRIORITY_UNTIL) == 0
