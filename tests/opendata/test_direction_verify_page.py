"""Issue 11: a printed direction is checked on a public page by its check number (the QR code's
address): number, status, validity, the child's initials, the issuing department and the
kindergarten's address and phone; an unknown check is a 404; look-ups are rate-limited."""

from __future__ import annotations

import datetime as dt

import pytest

from opendata.views import VERIFY_LIMIT
from placements.directions import direction_cancel
from placements.models import Group, Kindergarten
from placements.verification import check_display, direction_check, direction_id_from_check, direction_verify_url
from queues.models import Locality
from tests.factories import ApplicationFactory, astana, direction_issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock_start() -> dt.datetime:
    return astana(2024, 6, 7, 12)


@pytest.fixture
def direction(clock):
    temirtau = Locality.objects.create(code="temirtau", name="Темиртау", name_kk="Теміртау")
    kindergarten = Kindergarten.objects.create(
        code="arman", name="Ясли-сад «Арман»", name_kk="«Арман» бөбекжайы", locality=temirtau, address="ул. Мира, 12", phone="+7 7213 44 55 66"
    )
    group = Group.objects.create(code="arman-2", kindergarten=kindergarten, name="Цыплята", name_kk="Балапан", age_from=2, age_to=3, language="kk")
    application = ApplicationFactory(locality=temirtau, child_last_name="Омарова", child_first_name="Айгерим")
    return direction_issue(application=application, group=group)  # issued Thursday 06.06 07:00, valid until 13.06 07:00


def _page(client, direction, language="en"):
    return client.get(f"/open/d/{direction_check(direction.pk)}/", HTTP_ACCEPT_LANGUAGE=language)


def test_the_check_number_is_not_the_id_and_leads_back_to_the_direction(direction, settings):
    settings.SITE_URL = "https://indigo.example.kz"
    check = direction_check(direction.pk)
    neighbour = direction_check(direction.pk + 1)
    assert len(check) == 12 and check not in (str(direction.pk), str(direction.number))
    assert sum(a != b for a, b in zip(check, neighbour, strict=True)) >= 6  # a neighbour's check tells nothing
    assert direction_id_from_check(check) == direction.pk
    assert direction_id_from_check(check_display(check).lower()) == direction.pk  # typed from paper
    assert direction_id_from_check(check[:-1] + ("0" if check[-1] != "0" else "1")) is None  # one character off
    assert direction_verify_url(direction.pk) == f"https://indigo.example.kz/open/d/{check}/"


def test_the_public_page_shows_what_the_paper_says_with_the_child_masked(client, direction):
    response = _page(client, direction)
    page = response.content.decode()

    assert response.status_code == 200
    assert f"Direction No. {direction.number}" in page
    assert "This direction is valid." in page and ">issued<" in page
    assert "13.06.2024 07:00" in page  # valid until
    assert "О*** А." in page and "Омарова" not in page and "Айгерим" not in page
    assert "Education department, Темиртау" in page
    assert "Ясли-сад «Арман»" in page and "ул. Мира, 12" in page and "+7 7213 44 55 66" in page
    assert check_display(direction_check(direction.pk)) in page
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_the_public_page_names_the_kindergarten_in_kazakh_for_a_kazakh_reader(client, direction):
    page = _page(client, direction, "kk").content.decode()
    assert "«Арман» бөбекжайы" in page and "Теміртау" in page


def test_a_cancelled_direction_is_shown_as_cancelled_and_not_valid(client, direction):
    direction_cancel(application=direction.application, now=astana(2024, 6, 7, 10))
    page = _page(client, direction).content.decode()
    assert "This direction is not valid." in page and ">cancelled<" in page
    assert "od-verify__status--cancelled" in page


def test_a_direction_past_its_deadline_is_shown_expired_even_before_the_job_closes_it(client, direction, clock):
    clock.set(astana(2024, 6, 13, 7, 1))
    page = _page(client, direction).content.decode()
    assert ">expired<" in page and "This direction is not valid." in page


@pytest.mark.parametrize("check", ["0000-0000-0000", "not-a-check", "ABCDEFGHJKMN", "1" * 40])
def test_an_unknown_check_is_a_404(client, direction, check):
    assert client.get(f"/open/d/{check}/").status_code == 404


def test_a_check_of_a_direction_that_does_not_exist_is_a_404(client, direction):
    assert client.get(f"/open/d/{direction_check(direction.pk + 1000)}/").status_code == 404


def test_the_long_address_serves_the_same_page(client, direction):
    assert client.get(f"/open/directions/{direction_check(direction.pk)}/").status_code == 200


def test_look_ups_are_limited_per_address(client, direction):
    for _ in range(VERIFY_LIMIT):
        assert client.get("/open/d/0000-0000-0000/").status_code == 404
    assert _page(client, direction).status_code == 429  # even a real check, once the address is over
    other = client.get(f"/open/d/{direction_check(direction.pk)}/", REMOTE_ADDR="10.0.0.2")
    assert other.status_code == 200
