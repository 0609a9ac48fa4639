"""Issue 11: several free seats of a group withdrawn at once, with a reason and a confirmation;
a seat claimed meanwhile refuses them all; the history names who withdrew."""

import re

import pytest

from placements.models import Seat
from placements.seats import seat_withdraw
from tests.operator.conftest import NOW, body

pytestmark = pytest.mark.django_db
URL = "/operator/groups/arman-2/withdraw/"


def _confirm(client, seats: list[int], reason: str = "ремонт группы"):
    page = body(client.post(URL, {"seats": seats, "reason": reason}))
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    return page, token


def test_the_page_lists_only_the_groups_free_seats(operator_a, world):
    html = body(operator_a.get(URL))
    free = world.seats(world.group_a, "released") + world.seats(world.group_a, "priority")
    for seat in free:
        assert f'name="seats" value="{seat.pk}"' in html
    for seat in world.seats(world.group_a, "claimed"):
        assert f'value="{seat.pk}"' not in html


def test_choosing_seats_asks_for_confirmation_then_withdraws_them_all(operator_a, world):
    free = [s.pk for s in world.seats(world.group_a, "released") + world.seats(world.group_a, "priority")]
    page, token = _confirm(operator_a, free)
    assert "You withdraw 2 seats of group Балапан:" in page and "Reason: ремонт группы" in page
    assert set(Seat.objects.filter(pk__in=free).values_list("state", flat=True)) == {"released", "priority"}
    response = operator_a.post(URL, {"seats": free, "reason": "ремонт группы", "confirm": "1", "form_token": token}, follow=True)
    assert "2 seats of group Балапан are withdrawn." in body(response)
    assert set(Seat.objects.filter(pk__in=free).values_list("state", "withdrawn_by", "withdrawal_reason")) == {
        ("withdrawn", world.operator_a.pk, "ремонт группы")
    }


def test_a_seat_claimed_meanwhile_refuses_the_whole_withdrawal(operator_a, world):
    free = [s.pk for s in world.seats(world.group_a, "released")]
    claimed = world.seats(world.group_a, "claimed")[0].pk  # e.g. claimed between the pages
    _page, token = _confirm(operator_a, free)
    html = body(operator_a.post(URL, {"seats": [*free, claimed], "reason": "ремонт", "confirm": "1", "form_token": token}))
    assert "Nothing was withdrawn" in html and f"#{claimed}" in html
    assert not Seat.objects.filter(state="withdrawn").exists()


def test_the_reason_is_required(operator_a, world):
    free = [s.pk for s in world.seats(world.group_a, "released")]
    html = body(operator_a.post(URL, {"seats": free, "reason": ""}))
    assert "This field is required." in html and "Yes, withdraw these seats" not in html


def test_another_kindergartens_group_is_a_404(operator_a, world):
    assert operator_a.get("/operator/groups/azamat-2/withdraw/").status_code == 404


def test_the_history_names_who_withdrew(operator_a, world):
    seat = world.seats(world.group_a, "released")[0]
    seat_withdraw(seat=seat, now=NOW, by=world.operator_a)
    html = body(operator_a.get("/operator/kindergartens/arman/history/"))
    row = html[html.index(f"Withdrawal of seat #{seat.pk}") :]
    assert "operator-arman (kindergarten operator)" in row[: row.index("</tr>")]


def test_a_withdrawal_recorded_before_the_fix_names_the_audited_actor(operator_a, world):
    from audit.context import Actor, acting_as

    seat = world.seats(world.group_a, "priority")[0]
    with acting_as(Actor(kind="operator", label="operator-arman")):
        seat_withdraw(seat=seat, now=NOW)  # no `by`: as every withdrawal before issue 11
    html = body(operator_a.get("/operator/kindergartens/arman/history/"))
    row = html[html.index(f"Withdrawal of seat #{seat.pk}") :]
    assert "operator-arman" in row[: row.index("</tr>")] and "—" not in row[: row.index("</tr>")]
