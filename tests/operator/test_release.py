"""Releasing seats (SPEC §5) from the operator cabinet, through seat_release."""

import re

import pytest
from django.utils import translation

from core.errors import Refusal
from placements.models import Seat, SeatRelease
from tests.operator.conftest import NOW, body, form_token, token_for

pytestmark = pytest.mark.django_db
URL = "/operator/kindergartens/arman/release/"


def _release(client, data: dict, token: str | None = None, **kwargs):
    """Send the release form with the one-time token of the page the operator has open."""
    if token is None:
        token = form_token(client, f"{URL}?group={data['group']}")
    return client.post(URL, {"confirm": "1", **data, "form_token": token}, **kwargs)


def _birth_year_options(html: str) -> list[str]:
    start = html.index('name="birth_year"')
    select = html[start : html.index("</select>", start)]
    return [part.split('"')[0] for part in select.split('value="')[1:]]


def test_the_birth_years_offered_are_those_that_fit_the_group_now(operator_a, world):
    # Enrollment year 2024: a 2–3 group takes children born 2022; a 2–4 group born 2021 and 2022.
    assert _birth_year_options(body(operator_a.get(URL))) == ["2022"]
    assert _birth_year_options(body(operator_a.get(URL, {"group": "arman-24"}))) == ["2022", "2021"]


def test_choosing_a_group_with_htmx_returns_only_the_form(operator_a, world):
    response = operator_a.get(URL, {"group": "arman-24"}, headers={"HX-Request": "true"})
    html = body(response)
    assert "<html" not in html and 'name="birth_year"' in html
    assert "HX-Request" in response["Vary"]


def test_released_seats_appear_as_released(operator_a, world):
    response = _release(operator_a, {"group": "arman-24", "birth_year": "2021", "count": "4"}, follow=True)
    html = body(response)
    assert "4 seats of group Күншуақ for children born in 2021 are released" in html
    seats = Seat.objects.filter(group=world.group_a_wide)
    assert [(s.birth_year, s.state, s.released_at) for s in seats] == [(2021, "released", NOW)] * 4
    assert SeatRelease.objects.get(group=world.group_a_wide).released_by == world.operator_a
    assert html.count("released, awaiting the bulletin") >= 4  # the seats page, filtered on released


def test_a_birth_year_outside_the_groups_range_is_refused(operator_a, world):
    response = _release(operator_a, {"group": "arman-2", "birth_year": "2021", "count": "2"})
    with translation.override("en"):
        assert Refusal("age_mismatch").message in body(response)
    assert not Seat.objects.filter(group=world.group_a, birth_year=2021).exists()


@pytest.mark.parametrize("count", ["0", "101", "two"])
def test_the_count_must_be_between_1_and_100(operator_a, world, count):
    before = Seat.objects.count()
    response = _release(operator_a, {"group": "arman-2", "birth_year": "2022", "count": count})
    assert response.status_code == 200
    assert Seat.objects.count() == before


# --- a double press (issue 8): one release, whatever is sent twice -------------------------------


def test_the_same_release_form_sent_twice_releases_once(operator_a, world):
    data = {"group": "arman-24", "birth_year": "2021", "count": "3"}
    token = form_token(operator_a, f"{URL}?group=arman-24")
    first = _release(operator_a, data, token)
    second = _release(operator_a, data, token, follow=True)
    assert Seat.objects.filter(group=world.group_a_wide).count() == 3  # not 6
    assert SeatRelease.objects.filter(group=world.group_a_wide).count() == 1
    assert first.status_code == 302 and second.redirect_chain[0][0] == first.url  # the result of the first
    assert "This form was already sent; nothing was done twice." in body(second)


def test_the_message_of_a_resend_is_in_the_operators_language(operator_a, world):
    data = {"group": "arman-24", "birth_year": "2021", "count": "1"}
    token = form_token(operator_a, f"{URL}?group=arman-24")
    _release(operator_a, data, token)
    operator_a.cookies["django_language"] = "ru"
    html = body(_release(operator_a, data, token, follow=True))
    with translation.override("ru"):
        assert Refusal("form_resent").message in html
    assert Seat.objects.filter(group=world.group_a_wide).count() == 1


def _invalid_tokens(world) -> dict[str, str]:
    token = token_for(world.operator_a, "operator-release")
    return {
        "missing": "",
        "made up": "a" * 40,
        "tampered": token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        "another operator's": token_for(world.operator_b, "operator-release"),
        "another form's": token_for(world.operator_a, "operator-enroll"),
    }


@pytest.mark.parametrize("kind", ["missing", "made up", "tampered", "another operator's", "another form's"])
def test_a_release_without_a_valid_token_is_refused_and_shown_again(operator_a, world, kind):
    data = {"group": "arman-24", "birth_year": "2021", "count": "2"}
    response = _release(operator_a, data, _invalid_tokens(world)[kind])
    html = body(response)
    assert response.status_code == 200
    with translation.override("en"):
        assert Refusal("form_token_invalid").message in html
    assert re.search(r'name="form_token" value="[^"]+"', html)  # a fresh token to send it again
    assert 'name="count" value="2"' in html  # what was typed stays
    assert not Seat.objects.filter(group=world.group_a_wide).exists()


def test_an_expired_token_is_refused(operator_a, world, monkeypatch):
    token = form_token(operator_a, f"{URL}?group=arman-24")
    monkeypatch.setattr("core.once.MAX_AGE", -1)  # as if the page had been left open past a day
    html = body(_release(operator_a, {"group": "arman-24", "birth_year": "2021", "count": "2"}, token))
    with translation.override("en"):
        assert Refusal("form_token_invalid").message in html
    assert not Seat.objects.filter(group=world.group_a_wide).exists()


def test_a_refused_release_leaves_its_token_usable(operator_a, world):
    token = form_token(operator_a, f"{URL}?group=arman-2")
    _release(operator_a, {"group": "arman-2", "birth_year": "2021", "count": "2"}, token)  # age_mismatch
    response = _release(operator_a, {"group": "arman-2", "birth_year": "2022", "count": "2"}, token)
    assert response.status_code == 302
    assert Seat.objects.filter(group=world.group_a, birth_year=2022, released_at=NOW).count() == 2
