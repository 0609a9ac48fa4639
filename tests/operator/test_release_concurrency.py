"""A double press on "Release" for real (issue 8): the two sendings of one form arrive at once, each
on its own PostgreSQL connection (a thread each, as in tests/placements/test_claim_concurrency.py).

The first sending's transaction is held open a moment after seat_release, so the second one's
token INSERT has to wait for it and then finds the token used: one release of 3 seats, not 6.
"""

import threading
import time

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client

from placements.models import Seat, SeatRelease
from placements.operator import views
from tests.factories import GroupFactory, astana
from tests.operator.conftest import body, form_token

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL and several connections"),
]
NOW = astana(2024, 6, 4, 12)  # enrollment year 2024: a 2–3 group takes children born in 2022


def test_two_sendings_of_one_release_form_at_once_release_once(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)
    group = GroupFactory(code="arman-2", kindergarten__code="arman")
    operator = User.objects.create_user("operator-arman", password="Operator-Password-17")
    group.kindergarten.operators.add(operator)
    url = "/operator/kindergartens/arman/release/"
    clients = [Client(), Client()]
    for client in clients:
        client.cookies["django_language"] = "en"
        client.force_login(operator)
    token = form_token(clients[0], url)  # the page the operator has open, pressed twice
    data = {"group": "arman-2", "birth_year": "2022", "count": "3", "form_token": token, "confirm": "1"}

    real_release = views.seat_release

    def slow_release(**kwargs):
        seats = real_release(**kwargs)
        time.sleep(0.5)  # still inside the sending's transaction: the other sending arrives meanwhile
        return seats

    monkeypatch.setattr(views, "seat_release", slow_release)
    barrier = threading.Barrier(2)
    responses: list = [None, None]

    def send(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            responses[index] = clients[index].post(url, data, follow=True)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a sending is stuck"

    pages = [body(r) for r in responses]
    assert all(r.status_code == 200 for r in responses)
    assert sum("3 seats of group" in page for page in pages) == 1
    assert sum("This form was already sent; nothing was done twice." in page for page in pages) == 1
    assert SeatRelease.objects.count() == 1
    assert Seat.objects.filter(group=group).count() == 3
