"""Issue 9: rate limits that fit families. Families behind one carrier NAT, one kiosk or the
production proxy share an address: code sending is limited per family (the IIN typed at the login,
the cabinet and the application; the phone by SPEC §9 itself), and the address has only a generous
ceiling that still stops a flood."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.test import Client

from accounts.models import OneTimeCode
from core import ratelimit
from core.iin import iin_build
from placements.bulletin import bulletin_publish
from placements.seats import seat_release
from tests.cabinet.conftest import AFTER, OTHER_IIN, OTHER_PHONE, file_application, login
from tests.factories import BULLETIN_AT, RELEASED_AT

pytestmark = pytest.mark.django_db

NAT = "100.64.0.1"  # one carrier-grade NAT address for everyone


@pytest.fixture(autouse=True)
def _one_window(monkeypatch):
    """One fixed window: no boundary falls inside a test."""
    monkeypatch.setattr("core.ratelimit.time", SimpleNamespace(time=lambda: 1_900_000_000.0))


def _families(temirtau, count: int) -> list[tuple[str, str]]:
    """`count` families, each with its own applicant IIN and phone: [(iin, phone)]."""
    families = []
    for n in range(count):
        iin = iin_build(dt.date(1985, 1, 1) + dt.timedelta(days=n), serial=500 + n)
        phone = f"770150{n:05d}"
        file_application(locality=temirtau, applicant_iin=iin, phone=phone, serial=1000 + n)
        families.append((iin, phone))
    return families


def test_fifty_families_behind_one_address_each_get_their_login_code(clock, temirtau):
    families = _families(temirtau, 50)
    for iin, _phone in families:
        client = Client(REMOTE_ADDR=NAT)
        response = client.post("/cabinet/login/", {"iin": iin})
        assert response.status_code == 302 and response.url == "/cabinet/login/code/"
    assert sorted(OneTimeCode.objects.values_list("phone", flat=True)) == sorted(phone for _iin, phone in families)


def test_one_family_hammering_the_login_is_stopped_and_its_neighbours_are_not(clock, temirtau):
    (hammer, _), (neighbour, neighbour_phone) = _families(temirtau, 2)
    client = Client(REMOTE_ADDR=NAT)
    statuses = [client.post("/cabinet/login/", {"iin": hammer}).status_code for _ in range(11)]
    assert statuses[-1] == 429 and 429 not in statuses[:10]
    response = Client(REMOTE_ADDR=NAT).post("/cabinet/login/", {"iin": neighbour})
    assert response.status_code == 302
    assert OneTimeCode.objects.filter(phone=neighbour_phone).exists()


def test_the_address_ceiling_still_stops_a_flood_of_login_codes(clock, temirtau, monkeypatch):
    monkeypatch.setattr(ratelimit, "ADDRESS_CEILING", 20)
    families = _families(temirtau, 21)
    statuses = [Client(REMOTE_ADDR=NAT).post("/cabinet/login/", {"iin": iin}).status_code for iin, _phone in families]
    assert statuses == [302] * 20 + [429]
    # The family refused at the flooded address gets its code from another one.
    assert Client(REMOTE_ADDR="100.64.0.2").post("/cabinet/login/", {"iin": families[-1][0]}).status_code == 302


def test_a_family_hammering_get_the_code_is_stopped_per_cabinet_not_its_neighbours_at_the_same_address(
    clock, temirtau, arman, parent_application, other_application, capture
):
    seat_release(group=arman, birth_year=2022, count=1, now=RELEASED_AT)
    bulletin_publish(now=BULLETIN_AT)
    clock.set(AFTER)
    hammer, neighbour = Client(REMOTE_ADDR=NAT), Client(REMOTE_ADDR=NAT)
    hammer.cookies["django_language"] = neighbour.cookies["django_language"] = "en"
    login(hammer, capture)
    login(neighbour, capture, iin=OTHER_IIN, phone=OTHER_PHONE)
    send = f"/cabinet/applications/{parent_application.number}/seats/arman-2/code/"
    statuses = [hammer.post(send, {"to": "1"}).status_code for _ in range(11)]
    assert statuses == [302] * 10 + [429]
    response = neighbour.post(f"/cabinet/applications/{other_application.number}/seats/arman-2/code/", {"to": "1"})
    assert response.status_code == 302
    assert OneTimeCode.objects.filter(phone=OTHER_PHONE, purpose="claim").exists()
