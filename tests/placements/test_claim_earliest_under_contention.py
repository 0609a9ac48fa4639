"""SPEC §7 "the claimable seat published earliest" under contention (issue 13, item 3).

A claim takes the earliest-published claimable seat (ties: the one created first) that no concurrent
transaction is taking at that instant: a locked seat is passed over, never waited for, but a claim
never takes a later seat while an earlier claimable one is free and unlocked.

The seats: #1 published on Sunday's bulletin, #2 and #3 together on Monday's; all general by the
claims (their priority windows have passed). Another connection holds row locks as a claim in
progress would.
"""

import threading

import pytest
from django.db import connection, transaction

from core.errors import Refusal
from placements.claims import seat_claim
from placements.models import Seat
from tests.factories import BULLETIN_AT, NEXT_BULLETIN_AT, ApplicationFactory, GroupFactory, astana, seats_publish

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks and several connections"),
]

CLAIM_AT = astana(2024, 6, 12, 10)  # Wednesday: both bulletins' priority windows are over


@pytest.fixture
def seats():
    group = GroupFactory()
    [first] = seats_publish(group=group, released_at=astana(2024, 6, 2, 12), published_at=BULLETIN_AT)
    second, third = seats_publish(group=group, count=2, released_at=astana(2024, 6, 3, 12), published_at=NEXT_BULLETIN_AT)
    assert first.published_at < second.published_at == third.published_at and second.pk < third.pk
    return group, [first, second, third]


def _family(group):
    return ApplicationFactory(locality=group.kindergarten.locality)


class _Locks:
    """Another transaction holding the seats' row locks, on its own connection, until `release`."""

    def __init__(self, *seats: Seat) -> None:
        self.ids = [s.pk for s in seats]
        self.held, self.done = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._hold)
        self.thread.start()
        assert self.held.wait(timeout=10), "the locks were never taken"

    def _hold(self) -> None:
        try:
            with transaction.atomic():
                list(Seat.objects.select_for_update().filter(pk__in=self.ids))
                self.held.set()
                self.done.wait(timeout=20)
        finally:
            connection.close()

    def release(self) -> None:
        self.done.set()
        self.thread.join(timeout=30)
        assert not self.thread.is_alive()


def test_with_nothing_locked_a_claim_takes_the_seat_published_earliest(seats):
    group, (first, _, _) = seats
    assert seat_claim(application=_family(group), group=group, now=CLAIM_AT).seat_id == first.pk


def test_a_claim_passes_over_the_earliest_seat_while_it_is_locked_and_takes_the_next(seats):
    group, (first, second, third) = seats
    locks = _Locks(first)
    try:
        taken = seat_claim(application=_family(group), group=group, now=CLAIM_AT)
    finally:
        locks.release()
    assert taken.seat_id == second.pk  # not #3: among the same bulletin, the one created first
    # Released untouched, the earliest is free again: the next claim takes it, not #3.
    assert seat_claim(application=_family(group), group=group, now=CLAIM_AT).seat_id == first.pk
    assert seat_claim(application=_family(group), group=group, now=CLAIM_AT).seat_id == third.pk


def test_a_claim_takes_the_latest_seat_only_while_every_earlier_one_is_locked(seats):
    group, (first, second, third) = seats
    locks = _Locks(first, second)
    try:
        taken = seat_claim(application=_family(group), group=group, now=CLAIM_AT)
    finally:
        locks.release()
    assert taken.seat_id == third.pk
    assert set(Seat.objects.filter(state="claimed").values_list("id", flat=True)) == {third.pk}


def test_a_claim_waits_briefly_rather_than_refuse_when_the_only_seat_is_locked(seats):
    group, (first, second, third) = seats
    for _ in range(2):  # #1 and #2 taken for good, #3 left, held by the other transaction
        seat_claim(application=_family(group), group=group, now=CLAIM_AT)
    assert set(Seat.objects.filter(state="claimed").values_list("id", flat=True)) == {first.pk, second.pk}
    locks = _Locks(third)
    letting_go = threading.Timer(0.2, locks.release)  # while the claim is retrying (placements.claims.CLAIM_BUSY_*)
    letting_go.start()
    try:
        assert seat_claim(application=_family(group), group=group, now=CLAIM_AT).seat_id == third.pk
    finally:
        letting_go.join(timeout=30)


def test_claims_racing_for_some_of_the_seats_take_the_earliest_ones(seats):
    group, (first, second, third) = seats
    families = [_family(group) for _ in range(2)]
    barrier = threading.Barrier(len(families))
    results = []

    def claim(application):
        try:
            barrier.wait(timeout=10)
            results.append(seat_claim(application=application, group=group, now=CLAIM_AT).seat_id)
        except Refusal as refusal:
            results.append(refusal.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(a,)) for a in families]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # Each claim passes over only what the other is taking at that instant: #3 stays free.
    assert sorted(results) == sorted([first.pk, second.pk])
    assert Seat.objects.get(pk=third.pk).state == "priority"  # untaken; general from priority_until (SPEC §5)
