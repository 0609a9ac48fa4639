"""Issue 9: the 07:00 rush with many real connections — every seat given once, nobody waits on
another family's open claim.

Threads each with their own PostgreSQL connection; the assertions are on what families and the
protocols see afterwards, and on the order of events, never on timings.
"""

import random
import threading
from collections import Counter

import pytest
from django.db import connection, transaction
from django.db.models import Count

from core.errors import Refusal
from placements.claims import seat_claim
from placements.models import Direction, Seat
from queues.models import Application
from tests.factories import PRIORITY_UNTIL, ApplicationFactory, GroupFactory, KindergartenFactory, seats_publish

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks and several connections"),
]


def test_300_families_on_100_seats_in_5_groups_from_16_connections():
    kindergarten = KindergartenFactory()
    groups = [GroupFactory(kindergarten=kindergarten) for _ in range(5)]
    seats = [seat for group in groups for seat in seats_publish(group=group, count=20)]
    families = [ApplicationFactory(locality=kindergarten.locality) for _ in range(300)]
    rng = random.Random(9)
    work = [(application, rng.choice(groups)) for application in families]
    outcomes: Counter[str] = Counter()
    errors: list[str] = []
    lock = threading.Lock()

    def family_worker() -> None:
        try:
            while True:
                with lock:
                    if not work:
                        return
                    application, group = work.pop()
                try:
                    seat_claim(application=application, group=group, now=PRIORITY_UNTIL)
                    outcome = "direction"
                except Refusal as refusal:
                    outcome = refusal.code
                except Exception as exc:  # reported, never swallowed
                    outcome = "error"
                    errors.append(repr(exc))
                with lock:
                    outcomes[outcome] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=family_worker) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a family is stuck"
    assert not errors, errors
    # Every seat taken once; a family whose group ran out was refused cleanly.
    assert outcomes["direction"] == len(seats) == 100
    assert set(outcomes) <= {"direction", "no_seat"}
    assert sum(outcomes.values()) == 300
    assert Seat.objects.filter(pk__in=[s.pk for s in seats]).exclude(state="claimed").count() == 0
    assert not Direction.objects.values("seat").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert Direction.objects.values("number").distinct().count() == Direction.objects.count() == 100
    assert Application.objects.filter(status="directed").count() == 100


def test_a_claim_completes_while_another_familys_claim_is_still_open():
    """The first family's claim takes its seat and then stays open (its transaction not committed);
    a second family's claim in another group completes meanwhile. Before issue 9 it waited for the
    first to commit: both held the direction-number counter row (and the audit head) to commit."""
    kindergarten = KindergartenFactory()
    first_group, second_group = GroupFactory(kindergarten=kindergarten), GroupFactory(kindergarten=kindergarten)
    seats_publish(group=first_group)
    seats_publish(group=second_group)
    first, second = (ApplicationFactory(locality=kindergarten.locality) for _ in range(2))
    first_holds_its_seat = threading.Event()
    second_done = threading.Event()
    events: list[str] = []
    results: dict[str, object] = {}

    def first_family() -> None:
        try:
            with transaction.atomic():
                results["first"] = seat_claim(application=first, group=first_group, now=PRIORITY_UNTIL)
                events.append("first took its seat")
                first_holds_its_seat.set()
                # Held open until the second family is done, or (if it is blocked) until it gives up.
                finished = second_done.wait(timeout=20)
                events.append("first commits" if finished else "first gave up waiting")
        except Exception as exc:  # reported, never swallowed
            results["first"] = exc
            first_holds_its_seat.set()
        finally:
            connection.close()

    def second_family() -> None:
        try:
            first_holds_its_seat.wait(timeout=20)
            results["second"] = seat_claim(application=second, group=second_group, now=PRIORITY_UNTIL)
            events.append("second has its direction")
        except Exception as exc:
            results["second"] = exc
        finally:
            second_done.set()
            connection.close()

    threads = [threading.Thread(target=first_family), threading.Thread(target=second_family)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert isinstance(results.get("first"), Direction), results
    assert isinstance(results.get("second"), Direction), results
    assert events == ["first took its seat", "second has its direction", "first commits"]
    assert results["first"].number != results["second"].number
