"""Issue 11: the release form first confirms what will happen and when; more than the group can
hold is refused with a clear message before anything is released."""

import pytest

from placements.models import Seat
from tests.operator.conftest import body, form_token

pytestmark = pytest.mark.django_db
URL = "/operator/kindergartens/arman/release/"


def _ask(client, data: dict):
    return client.post(URL, {**data, "form_token": form_token(client, f"{URL}?group={data['group']}")})


def test_the_form_shows_the_room_left_in_the_group(operator_a, world):
    # «Балапан» (capacity 20): 1 released + 1 priority + 2 claimed seats → room for 16.
    assert "room for 16 more seats" in body(operator_a.get(URL))


def test_releasing_asks_for_confirmation_with_the_moment_of_publication(operator_a, world, clock):
    before = Seat.objects.count()
    html = body(_ask(operator_a, {"group": "arman-24", "birth_year": "2021", "count": "3"}))
    assert "You release 3 seats in group Күншуақ for children born in 2021." in html
    assert "They will be published today, 04.06.2024, at 18:00." in html  # Tuesday 12:00
    assert 'name="confirm" value="1"' in html and "Yes, release" in html
    assert Seat.objects.count() == before  # nothing yet
    token = form_token(operator_a, f"{URL}?group=arman-24")
    data = {"group": "arman-24", "birth_year": "2021", "count": "3", "confirm": "1", "form_token": token}
    assert "3 seats of group Күншуақ for children born in 2021 are released" in body(operator_a.post(URL, data, follow=True))
    assert Seat.objects.count() == before + 3


def test_after_18_00_the_confirmation_says_tomorrow_at_18_00(operator_a, world, clock):
    clock.set(clock.at.replace(hour=18, minute=5))
    html = body(_ask(operator_a, {"group": "arman-24", "birth_year": "2021", "count": "1"}))
    assert "It will be published tomorrow, 05.06.2024, at 18:00." in html


def test_more_seats_than_the_group_can_hold_are_refused_at_once(operator_a, world):
    before = Seat.objects.count()
    html = body(_ask(operator_a, {"group": "arman-2", "birth_year": "2022", "count": "40"}))
    assert "its capacity is 20" in html and "at most 16 more" in html
    assert "Yes, release" not in html
    assert Seat.objects.count() == before
