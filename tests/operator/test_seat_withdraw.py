"""Withdrawing a seat (SPEC §5): a confirmation page, then seat_withdraw; a claimed seat is refused."""

import pytest
from django.utils import translation

from audit.models import AuditRecord
from core.errors import Refusal
from placements.models import Seat
from placements.seats import seats_promote
from tests.operator.conftest import AFTER_WINDOW, NOW, body, form_token, token_for

pytestmark = pytest.mark.django_db


def _withdraw(client, seat: Seat, token: str | None = None):
    """Confirm the withdrawal with the page's one-time token (a valid one where the page shows no form)."""
    page = f"/operator/seats/{seat.pk}/withdraw/"
    if token is None:
        shown = f'action="{page}"' in body(client.get(page))
        token = form_token(client, page, page) if shown else token_for(seat.group.kindergarten.operators.get(), "operator-seat-withdraw")
    return client.post(page, {"form_token": token}, follow=True)


def test_the_confirmation_page_asks_before_withdrawing(operator_a, world):
    seat = world.seats(world.group_a, "released")[0]
    html = body(operator_a.get(f"/operator/seats/{seat.pk}/withdraw/"))
    assert "Yes, withdraw this seat" in html
    seat.refresh_from_db()
    assert seat.state == "released"


@pytest.mark.parametrize("state", ["released", "priority"])
def test_a_released_or_priority_seat_is_withdrawn(operator_a, world, state):
    seat = world.seats(world.group_a, state)[0]
    html = body(_withdraw(operator_a, seat))
    assert f"Seat #{seat.pk} is withdrawn" in html
    seat.refresh_from_db()
    assert (seat.state, seat.withdrawn_at) == ("withdrawn", NOW)


def test_a_general_seat_is_withdrawn(operator_a, world, clock):
    clock.set(AFTER_WINDOW)
    seats_promote(now=AFTER_WINDOW)
    seat = world.seats(world.group_a, "general")[0]
    _withdraw(operator_a, seat)
    seat.refresh_from_db()
    assert (seat.state, seat.withdrawn_at) == ("withdrawn", AFTER_WINDOW)


def test_a_claimed_seat_is_not_withdrawn(operator_a, world):
    seat = world.seats(world.group_a, "claimed")[0]
    assert "Yes, withdraw this seat" not in body(operator_a.get(f"/operator/seats/{seat.pk}/withdraw/"))
    html = body(_withdraw(operator_a, seat))
    with translation.override("en"):
        assert Refusal("seat_not_withdrawable").message in html
    seat.refresh_from_db()
    assert seat.state == "claimed"


def test_the_seats_page_offers_withdrawal_only_for_unclaimed_seats(operator_a, world):
    html = body(operator_a.get("/operator/kindergartens/arman/seats/"))
    for seat in Seat.objects.filter(group=world.group_a):
        link = f'href="/operator/seats/{seat.pk}/withdraw/"'
        assert (link in html) == (seat.state in ("released", "priority")), seat.state


def test_the_seats_page_filters_by_state(operator_a, world):
    html = body(operator_a.get("/operator/kindergartens/arman/seats/", {"state": "claimed"}))
    assert "2 seats" in html and "direction №1" in html and "direction №2" in html


def test_a_double_sent_withdrawal_withdraws_once_and_says_so(operator_a, world):
    seat = world.seats(world.group_a, "released")[0]
    page = f"/operator/seats/{seat.pk}/withdraw/"
    token = form_token(operator_a, page, page)
    _withdraw(operator_a, seat, token)
    html = body(_withdraw(operator_a, seat, token))
    assert "This form was already sent; nothing was done twice." in html
    assert Refusal("seat_not_withdrawable").message not in html
    assert AuditRecord.objects.filter(action="seat.withdraw").count() == 1


@pytest.mark.parametrize("token", ["", "forged"])
def test_a_withdrawal_without_a_valid_token_is_refused(operator_a, world, token):
    seat = world.seats(world.group_a, "released")[0]
    response = _withdraw(operator_a, seat, token)
    with translation.override("en"):
        assert Refusal("form_token_invalid").message in body(response)
    assert 'name="form_token"' in body(response)  # the confirmation again, with a fresh token
    seat.refresh_from_db()
    assert seat.state == "released"
