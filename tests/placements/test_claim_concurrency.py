"""SPEC §5–§7 under load, for real: several PostgreSQL connections at once, one per thread.

Each race starts its threads together at a barrier, each thread on its own connection, closed when
the thread ends. The assertions are on what the families and the protocols would see afterwards.
"""

import threading
import time
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connection, transaction
from django.db.models import Count, Q

from core.errors import Refusal
from placements.bulletin import bulletin_publish
from placements.claims import seat_claim
from placements.expiry import directions_expire
from placements.models import Direction, Grant, Publication, Seat
from placements.seats import seat_withdraw, seats_promote
from queues.models import Application
from tests.factories import BULLETIN_AT, OPEN_AT, PRIORITY_UNTIL, ApplicationFactory, GroupFactory, astana, reloaded, seats_publish, seats_release

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks and several connections"),
]


def _race(*calls: Callable[[], object]) -> list[tuple[str, object]]:
    """Run the calls at once, each in a thread with its own connection: ("ok", result) or ("refused", code)."""
    barrier = threading.Barrier(len(calls))
    results: list[tuple[str, object]] = [("not run", None)] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=30)
            results[index] = ("ok", call())
        except Refusal as refusal:
            results[index] = ("refused", refusal.code)
        except Exception as exc:  # reported in the assertion, never swallowed
            results[index] = ("error", repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a racer is stuck"
    assert not [r for r in results if r[0] in ("error", "not run")], results
    return results


def _claim(application, group, now):
    return lambda: seat_claim(application=application, group=group, now=now)


def _no_seat_has_two_active_directions() -> bool:
    return not Direction.objects.filter(status__in=Direction.ACTIVE_STATUSES).values("seat").annotate(n=Count("id")).filter(n__gt=1).exists()


def test_dozens_of_families_claiming_a_few_general_seats_get_exactly_one_direction_per_seat(fresh_numbers):
    group = GroupFactory()
    families = [ApplicationFactory(locality=group.kindergarten.locality) for _ in range(40)]
    seats = seats_publish(group=group, count=3)
    results = _race(*[_claim(a, group, PRIORITY_UNTIL) for a in families])
    outcomes = Counter(kind if kind == "ok" else value for kind, value in results)
    assert outcomes == {"ok": 3, "no_seat": 37}
    assert {r[1].seat_id for r in results if r[0] == "ok"} == {s.pk for s in seats}
    assert Seat.objects.filter(pk__in=[s.pk for s in seats], state="claimed").count() == 3
    assert Direction.objects.filter(status="issued").count() == 3
    assert Application.objects.filter(status="directed").count() == 3
    assert _no_seat_has_two_active_directions()
    assert sorted(Direction.objects.values_list("number", flat=True)) == [1, 2, 3]


def test_grant_holders_racing_for_as_many_priority_seats_all_get_one_and_the_others_no_access():
    group = GroupFactory()
    locality = group.kindergarten.locality
    holders = [ApplicationFactory(locality=locality, filed_at=astana(2024, 5, 1, 10, i)) for i in range(5)]
    others = [ApplicationFactory(locality=locality, filed_at=astana(2024, 5, 2, 10, i)) for i in range(20)]
    seats_publish(group=group, count=5)
    assert set(Grant.objects.values_list("application_id", flat=True)) == {a.pk for a in holders}
    results = _race(*[_claim(a, group, OPEN_AT) for a in holders + others])
    assert [r[0] for r in results[:5]] == ["ok"] * 5
    # SPEC §7: `no_access` while open priority seats remain, `no_seat` once the holders have taken
    # them all; which one a family sees depends on when its claim runs. Never a seat.
    assert [r[0] for r in results[5:]] == ["refused"] * 20, results[5:]
    assert set(r[1] for r in results[5:]) <= {"no_access", "no_seat"}
    assert _no_seat_has_two_active_directions()


def test_one_familys_simultaneous_clicks_give_one_direction():
    group = GroupFactory()
    application = ApplicationFactory(locality=group.kindergarten.locality)
    seats_publish(group=group, count=3)
    results = _race(*[_claim(application, group, PRIORITY_UNTIL) for _ in range(6)])
    assert Counter(kind if kind == "ok" else value for kind, value in results) == {"ok": 1, "not_queued": 5}
    assert Direction.objects.filter(application=application).count() == 1
    assert Seat.objects.filter(state="claimed").count() == 1


def test_a_claim_racing_the_withdrawal_of_the_seat_has_exactly_one_winner():
    # The withdrawal starts a little later each round, so that both orders happen.
    for delay in (0, 0.003, 0.006, 0.01, 0.02, 0.04):
        group = GroupFactory()
        application = ApplicationFactory(locality=group.kindergarten.locality)
        [seat] = seats_publish(group=group)

        def withdrawal(seat=seat, delay=delay):
            time.sleep(delay)
            return seat_withdraw(seat=seat, now=PRIORITY_UNTIL)

        claim, withdrawn = _race(_claim(application, group, PRIORITY_UNTIL), withdrawal)
        seat, application = reloaded(seat, application)
        if claim[0] == "ok":
            assert withdrawn == ("refused", "seat_not_withdrawable"), delay
            assert (seat.state, application.status) == ("claimed", "directed")
            assert Direction.objects.filter(seat=seat, status="issued").count() == 1
        else:
            assert withdrawn[0] == "ok", delay
            assert claim == ("refused", "no_seat"), delay
            assert (seat.state, application.status) == ("withdrawn", "queued")
            assert not Direction.objects.filter(seat=seat).exists()


def test_a_claim_racing_the_promotion_at_priority_until_leaves_a_consistent_state():
    for round_ in range(6):
        group = GroupFactory()
        locality = group.kindergarten.locality
        ApplicationFactory(locality=locality, filed_at=astana(2024, 5, 1))  # holds the grant, lets it pass
        latecomer = ApplicationFactory(locality=locality, filed_at=astana(2024, 5, 2))
        [seat] = seats_publish(group=group)
        claim, _ = _race(_claim(latecomer, group, PRIORITY_UNTIL), lambda: seats_promote(now=PRIORITY_UNTIL))
        seat, latecomer = reloaded(seat, latecomer)
        assert not Seat.objects.filter(state="priority", priority_until__lte=PRIORITY_UNTIL).exists(), round_
        if claim[0] == "ok":
            assert (seat.state, latecomer.status) == ("claimed", "directed"), round_
            assert Direction.objects.filter(seat=seat, application=latecomer, status="issued").count() == 1
        else:
            assert claim[1] == "no_seat", round_
            assert (seat.state, latecomer.status) == ("general", "queued"), round_
            assert not Direction.objects.filter(seat=seat).exists()
    assert _no_seat_has_two_active_directions()


def test_two_bulletins_running_at_once_publish_each_seat_once():
    group = GroupFactory()
    locality = group.kindergarten.locality
    families = [ApplicationFactory(locality=locality, filed_at=astana(2024, 5, 1, 10, i)) for i in range(30)]
    seats = seats_release(group=group, count=12)
    results = _race(lambda: bulletin_publish(now=BULLETIN_AT), lambda: bulletin_publish(now=BULLETIN_AT))
    assert sorted(r[1] is None for r in results) == [False, True]  # one published, the other found nothing
    assert set(Publication.objects.values_list("seat_id", flat=True)) == {s.pk for s in seats}
    assert Publication.objects.count() == 12
    assert Seat.objects.filter(state="priority", published_at=BULLETIN_AT).count() == 12
    assert sorted(Grant.objects.values_list("application_id", flat=True)) == sorted(a.pk for a in families[:12])

    # A late catch-up run racing the next scheduled one, a second apart: still one publication per seat.
    more = seats_release(group=group, count=5, now=astana(2024, 6, 3, 10))
    _race(lambda: bulletin_publish(now=astana(2024, 6, 3, 18)), lambda: bulletin_publish(now=astana(2024, 6, 3, 18, 0, 1)))
    assert Publication.objects.filter(seat__in=more).count() == 5
    assert len(set(Seat.objects.filter(pk__in=[s.pk for s in more]).values_list("published_at", flat=True))) == 1
    assert sorted(Grant.objects.values_list("application_id", flat=True)) == sorted(a.pk for a in families[:17])


def test_two_expiry_runs_at_once_give_one_strike_each():
    group = GroupFactory()
    families = [ApplicationFactory(locality=group.kindergarten.locality) for _ in range(12)]
    seats_publish(group=group, count=12)
    directions = [seat_claim(application=a, group=group, now=PRIORITY_UNTIL) for a in families]
    valid_until = directions[0].valid_until
    results = _race(lambda: directions_expire(now=valid_until), lambda: directions_expire(now=valid_until))
    assert sum(r[1] for r in results) == 12
    assert Direction.objects.filter(status="expired").count() == 12
    assert set(Application.objects.values_list("strikes", flat=True)) == {1}
    assert Application.objects.filter(status="queued").count() == 12
    assert Seat.objects.filter(state="released").count() == 12
    assert not Application.objects.filter(~Q(status="queued")).exists()


def test_a_claim_at_priority_until_is_not_refused_while_the_promotion_is_updating_the_seat():
    # All seats of a bulletin turn general at the same instant; families click at that instant.
    group = GroupFactory()
    locality = group.kindergarten.locality
    ApplicationFactory(locality=locality, filed_at=astana(2024, 5, 1))  # holds the grant, lets it pass
    latecomer = ApplicationFactory(locality=locality, filed_at=astana(2024, 5, 2))
    [seat] = seats_publish(group=group)
    promoting, claimed = threading.Event(), threading.Event()

    def promotion():
        with transaction.atomic():
            count = seats_promote(now=PRIORITY_UNTIL)
            promoting.set()
            claimed.wait(timeout=1)  # a long promotion: its row locks are held a moment longer
        return count

    def claim():
        promoting.wait(timeout=10)
        try:
            return seat_claim(application=latecomer, group=group, now=PRIORITY_UNTIL)
        finally:
            claimed.set()

    promoted, claim_result = _race(promotion, claim)
    assert promoted == ("ok", 1)
    assert claim_result[0] == "ok", claim_result
    assert reloaded(seat).state == "claimed"
