"""The same parent pages on a kiosk (SPEC §10): the kiosk layout, and the countdown's polling does not
keep a walked-away family's session alive."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from accounts.kiosks import KIOSK_COOKIE, kiosk_register
from accounts.middleware import SESSION_KIOSK_SEEN
from accounts.models import Kiosk
from placements.bulletin import bulletin_publish
from placements.seats import seat_release
from tests.cabinet.conftest import DURING, login
from tests.factories import BULLETIN_AT, RELEASED_AT

pytestmark = pytest.mark.django_db


@pytest.fixture
def kiosk_client(arman):
    kiosk = Kiosk(code="arman-hall", name="Арман, холл", kindergarten=arman.kindergarten)
    token = kiosk_register(kiosk=kiosk, now=timezone.now())
    client = Client()
    client.cookies["django_language"] = "en"
    client.cookies[KIOSK_COOKIE] = token  # as pairing leaves it (tests/accounts/test_kiosk_pairing.py)
    return client


def test_a_family_applies_and_follows_its_countdown_on_a_kiosk(kiosk_client, clock, parent_application, arman, capture):
    seat_release(group=arman, birth_year=2022, count=1, now=RELEASED_AT)
    bulletin_publish(now=BULLETIN_AT)
    clock.set(DURING)
    assert 'class="kiosk"' in kiosk_client.get("/cabinet/apply/").content.decode()
    login(kiosk_client, capture)
    page = kiosk_client.get("/cabinet/").content.decode()
    assert 'class="kiosk"' in page and "Left: 1 d 19 h 0 min" in page

    session = kiosk_client.session
    session[SESSION_KIOSK_SEEN] = seen = session[SESSION_KIOSK_SEEN] - 30
    session.save()
    url = f"/cabinet/applications/{parent_application.number}/grants/"
    assert kiosk_client.get(url, HTTP_HX_REQUEST="true", HTTP_X_INDIGO_POLL="1").status_code == 200
    assert kiosk_client.session[SESSION_KIOSK_SEEN] == seen  # polling is not activity
