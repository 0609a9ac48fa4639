"""Releasing seats (SPEC §5) from the operator cabinet, through seat_release."""

import pytest
from django.utils import translation

from core.errors import Refusal
from placements.models import Seat, SeatRelease
from tests.operator.conftest import NOW, body

pytestmark = pytest.mark.django_db
URL = "/operator/kindergartens/arman/release/"


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
    response = operator_a.post(URL, {"group": "arman-24", "birth_year": "2021", "count": "4"}, follow=True)
    html = body(response)
    assert "4 seats of group Күншуақ for children born in 2021 are released" in html
    seats = Seat.objects.filter(group=world.group_a_wide)
    assert [(s.birth_year, s.state, s.released_at) for s in seats] == [(2021, "released", NOW)] * 4
    assert SeatRelease.objects.get(group=world.group_a_wide).released_by == world.operator_a
    assert html.count("released, awaiting the bulletin") >= 4  # the seats page, filtered on released


def test_a_birth_year_outside_the_groups_range_is_refused(operator_a, world):
    response = operator_a.post(URL, {"group": "arman-2", "birth_year": "2021", "count": "2"})
    with translation.override("en"):
        assert Refusal("age_mismatch").message in body(response)
    assert not Seat.objects.filter(group=world.group_a, birth_year=2021).exists()


@pytest.mark.parametrize("count", ["0", "101", "two"])
def test_the_count_must_be_between_1_and_100(operator_a, world, count):
    before = Seat.objects.count()
    response = operator_a.post(URL, {"group": "arman-2", "birth_year": "2022", "count": count})
    assert response.status_code == 200
    assert Seat.objects.count() == before
