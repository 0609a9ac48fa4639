"""SPEC §3, §4, §6: the cabinet home shows the parent's own applications, each position with its
reasons, and priority access with a countdown polled by htmx."""

from __future__ import annotations

import datetime as dt

import pytest

from placements.bulletin import bulletin_publish
from placements.claims import seat_claim
from placements.seats import seat_release
from tests.cabinet.conftest import DURING, OTHER_IIN, PARENT_IIN, PHONE, file_application, login
from tests.factories import BULLETIN_AT, FILED_AT, RELEASED_AT

pytestmark = pytest.mark.django_db

# SPEC §4 example in filing order; the parent's child is p2: order e1 g1 g2 g3 p1 g4 g5 p2 p3.
EXAMPLE = ["g1", "p1", "g2", "e1", "g3", "p2", "g4", "p3", "g5"]
BENEFIT = {"g": ("none", ""), "p": ("priority", "large_family"), "e": ("extraordinary", "military")}


@pytest.fixture
def spec_queue(temirtau):
    apps = {}
    for minute, label in enumerate(EXAMPLE):
        benefit, category = BENEFIT[label[0]]
        parent = label == "p2"
        apps[label] = file_application(
            locality=temirtau,
            applicant_iin=PARENT_IIN if parent else OTHER_IIN,
            phone=PHONE if parent else f"7702000000{minute}",
            serial=100 + minute * 10,
            filed_at=FILED_AT + dt.timedelta(minutes=minute),
            benefit=benefit,
            benefit_category=category,
            child_first_name=f"Ребёнок{label}",
        )
    return apps


def test_the_position_is_shown_with_its_reasons(client, clock, spec_queue, capture):
    login(client, capture)
    page = client.get("/cabinet/").content.decode()
    p2 = spec_queue["p2"]
    assert f"Application No. {p2.number}" in page
    assert "place 8 of 9" in page
    assert "No. 2 among the priority applications" in page
    assert "extraordinary applications: 1" in page
    assert "priority applications: 1" in page
    assert "applications without a benefit: 5" in page
    assert "after every 3 applications without a benefit comes one priority application" in page
    assert "02.05.2024 10:05:00" in page  # its filing time, Astana time
    # Only the parent's own application: the others of the queue are not there.
    assert "Ребёнокp1" not in page and f"No. {spec_queue['e1'].number}<" not in page


def test_another_applicants_application_is_not_found_on_any_page(client, clock, parent_application, other_application, arman, capture):
    seat_release(group=arman, birth_year=2022, count=1, now=RELEASED_AT)
    bulletin_publish(now=BULLETIN_AT)
    clock.set(DURING)
    direction = seat_claim(application=other_application, group=arman, now=DURING)  # the other family holds the grant
    login(client, capture)
    n = other_application.number
    for url in (
        f"/cabinet/applications/{n}/",
        f"/cabinet/applications/{n}/grants/",
        f"/cabinet/applications/{n}/messages/",
        f"/cabinet/applications/{n}/seats/",
        f"/cabinet/applications/{n}/seats/arman-2/",
        f"/cabinet/applications/{n}/directions/",
        f"/cabinet/applications/{n}/directions/extend/",
        f"/cabinet/applications/{n}/directions/cancel/",
        f"/cabinet/applications/{n}/phone/",
        f"/cabinet/applications/{n}/withdraw/",
        f"/cabinet/directions/{direction.number}/print/",
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        f"/cabinet/applications/{n}/seats/arman-2/code/",
        f"/cabinet/applications/{n}/directions/cancel/code/",
        f"/cabinet/applications/{n}/directions/cancel/",
        f"/cabinet/applications/{n}/withdraw/code/",
        f"/cabinet/applications/{n}/withdraw/",
    ):
        assert client.post(url, {"to": "1", "code": "123456", "slot": "1", "phone": "77015554433"}).status_code == 404, url
    other_application.refresh_from_db()
    assert other_application.status == "directed"
    assert "Секретова" not in client.get("/cabinet/").content.decode()


def test_cabinet_pages_need_a_login(client, parent_application):
    for url in ("/cabinet/", f"/cabinet/applications/{parent_application.number}/", f"/cabinet/applications/{parent_application.number}/seats/"):
        response = client.get(url)
        assert response.status_code == 302 and response.url == "/cabinet/login/"


def test_priority_access_counts_down_in_an_htmx_fragment_that_polls_without_touching_the_kiosk_timer(client, clock, parent_application, arman, capture):
    seat_release(group=arman, birth_year=2022, count=1, now=RELEASED_AT)
    bulletin_publish(now=BULLETIN_AT)  # the parent's child is first in the queue: a grant until Thursday 06.06 07:00
    clock.set(DURING)
    login(client, capture)
    page = client.get("/cabinet/").content.decode()
    n = parent_application.number
    assert f'hx-get="/cabinet/applications/{n}/grants/"' in page
    assert 'hx-trigger="every 30s"' in page
    assert "X-Indigo-Poll" in page
    assert "From 07:00 03.06.2024 to 07:00 06.06.2024" in page
    assert "Left: 1 d 19 h 0 min" in page

    clock.advance(minutes=30, seconds=10)
    response = client.get(f"/cabinet/applications/{n}/grants/", HTTP_HX_REQUEST="true", HTTP_X_INDIGO_POLL="1")
    fragment = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in fragment and f'id="grants-{n}"' in fragment
    assert "Left: 1 d 18 h 30 min" in fragment
    assert "HX-Request" in response["Vary"]

    # Without htmx the same address is a whole page.
    assert "<html" in client.get(f"/cabinet/applications/{n}/grants/").content.decode()

    # Past priority_until the fragment is empty and stops polling.
    clock.set(dt.datetime(2024, 6, 6, 7, 0, tzinfo=clock.at.tzinfo))
    fragment = client.get(f"/cabinet/applications/{n}/grants/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-get" not in fragment and "Left:" not in fragment


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_cabinet_pages_render_in_kazakh_and_russian(client, clock, parent_application, arman, language, capture):
    seat_release(group=arman, birth_year=2022, count=1, now=RELEASED_AT)
    bulletin_publish(now=BULLETIN_AT)
    clock.set(DURING)
    login(client, capture)
    client.cookies["django_language"] = language
    n = parent_application.number
    for url in (
        "/cabinet/",
        f"/cabinet/applications/{n}/",
        f"/cabinet/applications/{n}/seats/",
        f"/cabinet/applications/{n}/seats/arman-2/",
        f"/cabinet/applications/{n}/directions/",
        "/cabinet/phone/",
        f"/cabinet/applications/{n}/withdraw/",
        f"/cabinet/applications/{n}/messages/",
        "/cabinet/apply/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert f'<html lang="{language}">' in response.content.decode(), url
    kindergarten = "№9 «Арман» бөбекжайы" if language == "kk" else "Ясли-сад №9 «Арман»"
    assert kindergarten in client.get(f"/cabinet/applications/{n}/seats/").content.decode()
