"""History of the kindergarten's releases and withdrawals, newest first, paginated."""

import datetime as dt
import re

import pytest

from placements.seats import seat_release, seat_withdraw
from tests.operator.conftest import NOW, body

pytestmark = pytest.mark.django_db
URL = "/operator/kindergartens/arman/history/"


def _events(html: str) -> list[tuple[str, str, str]]:
    """(when, event, seats) of every row."""
    rows = re.findall(r"<tr>\s*<td><time[^>]*>([^<]+)</time></td>\s*<td>([^<]+)</td>.*?<td class=\"op-num\">(\d+)</td>", html, re.S)
    return [(when, event.strip(), seats) for when, event, seats in rows]


def test_releases_and_withdrawals_newest_first(operator_a, world):
    seat = world.seats(world.group_a, "priority")[0]
    seat_withdraw(seat=seat, now=NOW)
    assert _events(body(operator_a.get(URL))) == [
        ("04.06.2024 12:00", f"Withdrawal of seat #{seat.pk}", "1"),
        ("03.06.2024 12:00", "Release", "1"),
        ("02.06.2024 12:00", "Release", "3"),
    ]
    html = body(operator_a.get(URL))
    assert "operator-arman" in html and "operator-azamat" not in html


def test_the_history_is_paginated(operator_a, world):
    type(world.group_a).objects.filter(pk=world.group_a.pk).update(capacity=100)  # room for 60 releases (issue 11)
    for minute in range(60):
        seat_release(group=world.group_a, birth_year=2022, count=1, now=NOW + dt.timedelta(minutes=minute))
    first = body(operator_a.get(URL))
    assert len(_events(first)) == 50 and _events(first)[0][0] == "04.06.2024 12:59"
    second = body(operator_a.get(URL, {"page": 2}))
    assert [event[0] for event in _events(second)][-2:] == ["03.06.2024 12:00", "02.06.2024 12:00"]
    fragment = operator_a.get(URL, {"page": 2}, headers={"HX-Request": "true"})
    assert "<html" not in body(fragment) and len(_events(body(fragment))) == 12
