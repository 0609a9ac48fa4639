"""Issue 11: a release never makes a group hold more than its capacity (capacity − enrolled − seats
not ended), checked under a lock of the group's row so that two operators at once cannot exceed it."""

import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import translation

from core.errors import Refusal
from placements.models import Seat
from placements.seats import seat_release, seat_withdraw
from placements.selectors import group_room
from tests.factories import RELEASED_AT, GroupFactory

pytestmark = pytest.mark.django_db


def _refusal(**kwargs) -> Refusal:
    with pytest.raises(Refusal) as refused:
        seat_release(**kwargs)
    return refused.value


def test_forty_seats_in_a_group_of_fifteen_are_refused_and_nothing_is_released():
    group = GroupFactory(age_from=2, age_to=3, capacity=15)
    refusal = _refusal(group=group, birth_year=2022, count=40, now=RELEASED_AT)
    assert (refusal.code, refusal.params) == ("over_capacity", {"capacity": 15, "room": 15})
    with translation.override("en"):
        assert "at most 15 more" in refusal.message
    with translation.override("kk"):
        assert "15" in refusal.message and "at most" not in refusal.message
    assert not Seat.objects.exists()


def test_the_room_is_capacity_minus_enrolled_minus_seats_not_ended():
    group = GroupFactory(age_from=2, age_to=3, capacity=15)
    seats = seat_release(group=group, birth_year=2022, count=10, now=RELEASED_AT)
    Seat.objects.filter(pk=seats[0].pk).update(state="enrolled")  # a child of this year's cohort
    Seat.objects.filter(pk=seats[1].pk).update(state="claimed")
    seat_withdraw(seat=seats[2], now=RELEASED_AT)  # a withdrawn seat frees its place
    # 15 − 1 enrolled − 8 not ended (7 released + 1 claimed) = 6
    assert group_room(group=group, now=RELEASED_AT) == 6
    assert _refusal(group=group, birth_year=2022, count=7, now=RELEASED_AT).params["room"] == 6
    assert len(seat_release(group=group, birth_year=2022, count=6, now=RELEASED_AT)) == 6
    assert _refusal(group=group, birth_year=2022, count=1, now=RELEASED_AT).params["room"] == 0


def test_enrolled_children_of_an_older_cohort_no_longer_fill_the_group():
    group = GroupFactory(age_from=2, age_to=3, capacity=15)
    # Enrolled last year (born 2021: 2–3 in 2023); in enrollment year 2024 they are in an older group.
    seats = seat_release(group=group, birth_year=2022, count=15, now=RELEASED_AT)
    Seat.objects.filter(pk__in=[s.pk for s in seats]).update(state="enrolled", birth_year=2021)
    assert group_room(group=group, now=RELEASED_AT) == 15


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL and several connections")
def test_two_operators_releasing_at_once_cannot_exceed_the_capacity():
    """Each release runs on its own connection; the first holds its transaction open a moment after
    releasing 10 of 15. Without the group's lock the second would not see those 10 and release 10 more."""
    group = GroupFactory(age_from=2, age_to=3, capacity=15)
    barrier = threading.Barrier(2)
    outcome: dict[str, str] = {}

    def first() -> None:
        try:
            barrier.wait(timeout=30)
            with transaction.atomic():
                seat_release(group=group, birth_year=2022, count=10, now=RELEASED_AT)
                time.sleep(0.5)
            outcome["first"] = "released"
        finally:
            connection.close()

    def second() -> None:
        try:
            barrier.wait(timeout=30)
            time.sleep(0.15)  # the first holds the group's lock by now
            try:
                seat_release(group=group, birth_year=2022, count=10, now=RELEASED_AT)
                outcome["second"] = "released"
            except Refusal as refusal:
                outcome["second"] = refusal.code
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcome == {"first": "released", "second": "over_capacity"}
    assert Seat.objects.filter(group=group).count() == 10
