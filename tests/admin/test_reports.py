"""Staff reports: queue sizes and seats per ISO week, as pages with SVG charts and as CSV.

The rows are made through the services. Seats timeline (ISO weeks, Astana time):

- W22 (27.05–02.06.2024): 3 seats released in Абай on Sunday 02.06 12:00 (then published at 18:00).
- W23 (03.06–09.06): 4 seats released in Жезказган on Wednesday 05.06; the three Абай seats are
  claimed on Thursday 06.06 07:00, when they turn general; one direction is enrolled on Friday 07.06.
- W24 (10.06–16.06): one direction is enrolled on Tuesday 11.06; 2 more seats are released in Абай
  on Wednesday 12.06; the last direction expires at its valid_until, Thursday 13.06 07:00
  (06.06 + 5 working days: 07, 10, 11, 12, 13 June), swept at 08:00.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from placements.application_actions import application_withdraw
from placements.claims import seat_claim
from placements.directions import direction_enroll
from placements.expiry import directions_expire
from placements.seats import seat_release
from queues.models import Locality
from tests.admin.conftest import staff_user
from tests.factories import PRIORITY_UNTIL, ApplicationFactory, GroupFactory, astana, seats_publish

pytestmark = pytest.mark.django_db

SEATS_URL = "/admin/reports/seats/?first=2024-05-27&last=2024-06-16"


@pytest.fixture
def abai(db) -> Locality:
    return Locality.objects.create(code="abai", name="Абай", name_kk="Абай")


@pytest.fixture
def zhezkazgan(db) -> Locality:
    return Locality.objects.create(code="zhezkazgan", name="Жезказган", name_kk="Жезқазған")


@pytest.fixture
def queues(abai, zhezkazgan) -> None:
    """Queued: Абай 2022 ×2 (one also special and sanatorium), Абай 2023 ×1, Жезказган 2022 ×1.
    Not queued, so not counted: one withdrawn in Абай 2022."""
    ApplicationFactory(locality=abai)
    ApplicationFactory(locality=abai, sen_pmpk=True, queues=("general", "special", "sanatorium"))
    ApplicationFactory(locality=abai, child_birth_date=dt.date(2023, 3, 1))
    ApplicationFactory(locality=zhezkazgan)
    application_withdraw(application=ApplicationFactory(locality=abai), now=astana(2024, 5, 10))


@pytest.fixture
def seats(abai, zhezkazgan) -> None:
    group = GroupFactory(kindergarten__locality=abai)
    seats_publish(group=group, count=3)  # released Sunday 02.06 12:00, published 18:00
    seat_release(group=GroupFactory(kindergarten__locality=zhezkazgan), birth_year=2022, count=4, now=astana(2024, 6, 5, 12))
    first, second, third = (ApplicationFactory(locality=abai) for _ in range(3))
    for application in (first, second, third):
        seat_claim(application=application, group=group, now=PRIORITY_UNTIL)
    direction_enroll(application=first, now=astana(2024, 6, 7, 10))
    direction_enroll(application=second, now=astana(2024, 6, 11, 10))
    seat_release(group=group, birth_year=2022, count=2, now=astana(2024, 6, 12, 12))
    assert directions_expire(now=astana(2024, 6, 13, 8)) == 1


@pytest.fixture
def reader(db):
    """An auditor-like staff member: may view applications, nothing more."""
    return staff_user("reader", "queues.view_application")


def _svg(html: str) -> str:
    found = re.findall(r"<svg[^>]*role=\"img\".*?</svg>", html, flags=re.S)
    assert len(found) == 1
    return found[0]


def test_the_queue_sizes_count_queued_applications_by_locality_birth_year_and_queue(client, reader, queues):
    client.force_login(reader)
    response = client.get("/admin/reports/queues/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    rows = [(r.locality_name, r.birth_year, r.general, r.special, r.sanatorium) for r in response.context["rows"]]
    assert rows == [("Абай", 2022, 2, 1, 1), ("Абай", 2023, 1, 0, 0), ("Жезказган", 2022, 1, 0, 0)]
    assert response.context["totals"] == {"general": 4, "special": 1, "sanatorium": 1}
    html = response.content.decode()
    assert "<td>Жезказган</td>" in html
    svg = _svg(html)
    assert svg.count('fill="#417690"/>') == 1 + 3  # the legend and one general bar per row
    assert 'width="400"' in svg and 'width="200"' in svg  # Абай 2022 (2 of 2) and Абай 2023 (1 of 2)
    assert "style=" not in svg  # the CSP allows no inline style


def test_the_queue_sizes_are_shown_for_one_locality(client, reader, queues):
    client.force_login(reader)
    response = client.get("/admin/reports/queues/?locality=zhezkazgan")
    assert [(r.locality_code, r.general) for r in response.context["rows"]] == [("zhezkazgan", 1)]


def test_the_queue_sizes_download_as_csv(client, reader, queues):
    client.force_login(reader)
    response = client.get("/admin/reports/queues.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode("utf-8-sig").splitlines() == [
        "locality_code,locality,birth_year,general,special,sanatorium",
        "abai,Абай,2022,2,1,1",
        "abai,Абай,2023,1,0,0",
        "zhezkazgan,Жезказган,2022,1,0,0",
    ]


def test_the_seats_per_week_count_releases_claims_enrollments_and_expiries(client, reader, seats):
    client.force_login(reader)
    response = client.get(SEATS_URL, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    weeks = [(w.label, w.released, w.claimed, w.enrolled, w.expired) for w in response.context["weeks"]]
    assert weeks == [("2024-W22", 3, 0, 0, 0), ("2024-W23", 4, 3, 1, 0), ("2024-W24", 2, 0, 1, 1)]
    assert response.context["totals"] == {"released": 9, "claimed": 3, "enrolled": 2, "expired": 1}
    html = response.content.decode()
    assert "<td>2024-W23</td>" in html
    svg = _svg(html)
    assert 'height="160"' in svg  # the largest figure (4 released in W23) fills the chart
    assert "style=" not in svg


def test_the_seats_per_week_are_shown_for_one_locality(client, reader, seats):
    client.force_login(reader)
    response = client.get(SEATS_URL + "&locality=abai")
    weeks = [(w.label, w.released, w.claimed, w.enrolled, w.expired) for w in response.context["weeks"]]
    assert weeks == [("2024-W22", 3, 0, 0, 0), ("2024-W23", 0, 3, 1, 0), ("2024-W24", 2, 0, 1, 1)]


def test_the_seats_per_week_download_as_csv(client, reader, seats):
    client.force_login(reader)
    response = client.get(SEATS_URL.replace("/seats/", "/seats.csv"))
    assert response.status_code == 200
    assert response.content.decode("utf-8-sig").splitlines() == [
        "week,monday,released,claimed,enrolled,expired",
        "2024-W22,2024-05-27,3,0,0,0",
        "2024-W23,2024-06-03,4,3,1,0",
        "2024-W24,2024-06-10,2,0,1,1",
    ]


def test_a_period_that_ends_before_it_starts_is_refused_politely(client, reader):
    client.force_login(reader)
    response = client.get("/admin/reports/seats/?first=2024-06-16&last=2024-05-27", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.context["weeks"] == []
    assert "The start of the period is after its end." in response.content.decode()


def test_the_admin_index_links_the_reports(client, reader):
    client.force_login(reader)
    html = client.get("/admin/").content.decode()
    assert 'href="/admin/reports/queues/"' in html and 'href="/admin/reports/seats/"' in html


@pytest.mark.parametrize("url", ["/admin/reports/", "/admin/reports/queues/", "/admin/reports/queues.csv", "/admin/reports/seats/", "/admin/reports/seats.csv"])
def test_someone_not_staff_is_refused(client, url, queues):
    client.force_login(staff_user("parent", "queues.view_application", is_staff=False))
    response = client.get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    client.logout()
    assert client.get(url).status_code == 302


@pytest.mark.parametrize("url", ["/admin/reports/", "/admin/reports/queues/", "/admin/reports/queues.csv", "/admin/reports/seats/", "/admin/reports/seats.csv"])
def test_staff_who_may_not_view_applications_are_refused(client, url, queues):
    client.force_login(staff_user("kindergarten-staff"))
    assert client.get(url).status_code == 403
