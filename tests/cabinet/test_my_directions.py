"""SPEC §7 in the cabinet: extend once (SMS code) while allowed, decline (SMS code, a strike), and a
printable direction."""

from __future__ import annotations

import pytest

from placements.bulletin import bulletin_publish
from placements.claims import seat_claim
from placements.directions import direction_cancel
from placements.seats import seat_release
from tests.cabinet.conftest import AFTER, confirm_with_code, login, refusal_text
from tests.factories import BULLETIN_AT, RELEASED_AT, astana

pytestmark = pytest.mark.django_db

DIRECTIONS = "/cabinet/applications/{n}/directions/"


@pytest.fixture
def direction(clock, parent_application, arman):
    """Issued on Thursday 06.06.2024 07:01 (a general seat): valid until Thursday 13.06 07:01,
    extendable until Wednesday 12.06 07:01."""
    seat_release(group=arman, birth_year=2022, count=2, now=RELEASED_AT)
    bulletin_publish(now=BULLETIN_AT)
    clock.set(AFTER)
    return seat_claim(application=parent_application, group=arman, now=AFTER)


def test_the_directions_page_says_until_when_it_can_be_extended(client, direction, capture):
    login(client, capture)
    page = client.get(DIRECTIONS.format(n=direction.application.number)).content.decode()
    assert f"Direction No. {direction.number}" in page
    assert "13.06.2024 07:01" in page  # valid until
    assert "until 12.06.2024 07:01" in page  # extendable until
    assert f"/cabinet/directions/{direction.number}/print/" in page


def test_the_parent_extends_the_direction_with_a_code(client, direction, capture):
    login(client, capture)
    n = direction.application.number
    response = confirm_with_code(
        client,
        capture,
        page=f"/cabinet/applications/{n}/directions/extend/",
    )
    assert response.status_code == 302
    direction.refresh_from_db()
    assert direction.extended and direction.valid_until == astana(2024, 7, 6, 7, 1)  # issued date + 30 days
    page = client.get(response.url).content.decode()
    assert "extended until 06.07.2024 07:01" in page
    assert "Extend the direction</a>" not in page


def test_after_four_working_days_extending_is_refused_in_words(client, clock, direction, capture):
    clock.set(astana(2024, 6, 12, 7, 1))
    login(client, capture)
    n = direction.application.number
    page = client.get(DIRECTIONS.format(n=n)).content.decode()
    assert "Extend the direction</a>" not in page and "that time has passed" in page
    response = confirm_with_code(
        client,
        capture,
        page=f"/cabinet/applications/{n}/directions/extend/",
    )
    assert response.status_code == 200
    assert refusal_text("extension_closed") in response.content.decode()
    direction.refresh_from_db()
    assert not direction.extended


def test_declining_is_a_strike_and_the_page_warns_before(client, direction, capture):
    login(client, capture)
    n = direction.application.number
    page = client.get(f"/cabinet/applications/{n}/directions/cancel/").content.decode()
    assert "Declining counts as a strike" in page
    response = confirm_with_code(
        client,
        capture,
        page=f"/cabinet/applications/{n}/directions/cancel/",
    )
    assert response.status_code == 302
    direction.refresh_from_db()
    application = direction.application
    application.refresh_from_db()
    assert direction.status == "cancelled"
    assert (application.status, application.strikes) == ("queued", 1)
    assert "1 of 2" in client.get("/cabinet/").content.decode()


def test_the_second_strike_is_announced_as_archiving(client, clock, direction, arman, capture):
    application = direction.application
    direction_cancel(application=application, now=AFTER)  # the first strike
    clock.advance(minutes=5)
    seat_claim(application=application, group=arman, now=clock.at)
    login(client, capture)
    page = client.get(f"/cabinet/applications/{application.number}/directions/cancel/").content.decode()
    assert "second strike" in page and "archived" in page


def test_the_printable_direction_has_everything_for_the_kindergarten(client, direction, capture):
    login(client, capture)
    response = client.get(f"/cabinet/directions/{direction.number}/print/")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'href="/static/css/print.css" media="print"' in page
    for text in (
        f"Direction No. {direction.number}",
        "Омарова Айгерим",
        "Ясли-сад №9 «Арман»",
        "ул. Мира, 12",
        "Балапан",
        "Kazakh",
        "06.06.2024 07:01",
        "13.06.2024 07:01",
        "<dd>issued</dd>",
    ):
        assert text in page, text
    assert "<script>" not in page and "style=" not in page
    assert "no-store" in response["Cache-Control"]
