"""SPEC §7 through the cabinet: the seats a child may take now, chosen by group and confirmed with an
SMS code; refusals in words."""

from __future__ import annotations

import pytest

from notifications.models import Message
from placements.bulletin import bulletin_publish
from placements.models import Direction, Seat
from placements.seats import seat_release
from tests.cabinet.conftest import AFTER, DURING, confirm_with_code, login, refusal_text
from tests.factories import BULLETIN_AT, RELEASED_AT, astana

pytestmark = pytest.mark.django_db

SEATS = "/cabinet/applications/{n}/seats/"
CLAIM = "/cabinet/applications/{n}/seats/arman-2/"


@pytest.fixture
def published(arman):
    seat_release(group=arman, birth_year=2022, count=1, now=RELEASED_AT)
    return bulletin_publish(now=BULLETIN_AT)


def claim(client, capture, n):
    return confirm_with_code(client, capture, page=CLAIM.format(n=n))


def test_a_grant_holder_takes_a_priority_seat_and_sees_the_direction(client, clock, parent_application, published, capture):
    clock.set(DURING)
    login(client, capture)
    n = parent_application.number
    page = client.get(SEATS.format(n=n)).content.decode()
    assert "Ясли-сад №9 «Арман»" in page and "ул. Мира, 12" in page and "Балапан" in page
    assert "(priority: 1, until 06.06.2024 07:00)" in page
    assert f'href="{CLAIM.format(n=n)}"' in page

    response = claim(client, capture, n)
    direction = Direction.objects.get(application=parent_application)
    assert response.status_code == 302 and response.url == f"/cabinet/applications/{n}/directions/#direction-{direction.number}"
    page = client.get(response.url).content.decode()
    assert f"Direction No. {direction.number} is issued" in page
    assert "11.06.2024 12:00" in page  # Tuesday 12:00 + 5 working days
    assert Seat.objects.get().state == "claimed"
    assert Message.objects.filter(application=parent_application, event="direction_issued").exists()


def test_without_a_grant_the_priority_seat_is_refused_in_words_and_taken_once_it_is_general(
    client, clock, parent_application, other_application, published, capture
):
    clock.set(DURING)  # the other family's child is ahead: the one grant is theirs
    login(client, capture)
    n = parent_application.number
    page = client.get(SEATS.format(n=n)).content.decode()
    assert f'href="{CLAIM.format(n=n)}"' not in page
    assert "priority access of other applications until 06.06.2024 07:00" in page

    response = claim(client, capture, n)
    assert response.status_code == 200
    assert refusal_text("no_access") in response.content.decode()
    parent_application.refresh_from_db()
    assert parent_application.status == "queued" and not Direction.objects.exists()

    clock.set(AFTER)
    page = client.get(SEATS.format(n=n)).content.decode()
    assert f'href="{CLAIM.format(n=n)}"' in page
    response = claim(client, capture, n)
    assert response.status_code == 302
    assert Direction.objects.get().application == parent_application


def test_before_seven_the_seat_is_not_open_yet(client, clock, parent_application, published, capture):
    clock.set(astana(2024, 6, 3, 6, 50))
    login(client, capture)
    n = parent_application.number
    assert "they open at 03.06.2024 07:00" in client.get(SEATS.format(n=n)).content.decode()
    response = claim(client, capture, n)
    assert refusal_text("not_open_yet") in response.content.decode()


def test_a_wrong_code_gets_no_direction(client, clock, parent_application, published, capture):
    clock.set(DURING)
    login(client, capture)
    n = parent_application.number
    with capture(execute=True):
        client.post(CLAIM.format(n=n) + "code/", {"to": "2"})
    response = client.post(CLAIM.format(n=n), {"code": "000000"})
    assert response.status_code == 200
    assert refusal_text("code_wrong") in response.content.decode() or refusal_text("code_exhausted") in response.content.decode()
    assert not Direction.objects.exists()


def test_a_code_cannot_be_posted_without_asking_for_it(client, clock, parent_application, published, capture):
    clock.set(DURING)
    login(client, capture)
    response = client.post(CLAIM.format(n=parent_application.number), {"code": "123456"})
    assert refusal_text("code_missing") in response.content.decode()
    assert not Direction.objects.exists()


def test_a_directed_application_is_told_it_is_not_in_the_queue(client, clock, parent_application, published, capture):
    clock.set(DURING)
    login(client, capture)
    claim(client, capture, parent_application.number)
    page = client.get(SEATS.format(n=parent_application.number)).content.decode()
    assert refusal_text("not_queued") in page
