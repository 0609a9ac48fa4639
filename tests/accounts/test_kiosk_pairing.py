"""Issue 11: a screen becomes a kiosk by pairing — it shows a short code, staff confirm the code in
the admin for a kindergarten, and the screen (polling) becomes the kiosk. Nobody types a token."""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from accounts.kiosks import KIOSK_COOKIE, KIOSK_PAIRING_COOKIE, PAIRING_ALPHABET, kiosk_register
from accounts.models import Kiosk, KioskPairing
from audit.models import AuditRecord
from placements.models import Kindergarten

pytestmark = pytest.mark.django_db
PAIR = "/admin/accounts/kiosk/pair/"
STATUS = "/kiosk/activate/status/"


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.STAFF_2FA = False  # the second factor has its own tests


@pytest.fixture
def kindergarten(locality):
    return Kindergarten.objects.create(code="arman", name="Ясли-сад №9 «Арман»", locality=locality)


@pytest.fixture
def staff():
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(User.objects.create_superuser("dept", password="Dept-Password-17"))
    return client


def _screen() -> tuple[Client, str]:
    screen = Client()
    screen.cookies["django_language"] = "en"
    assert screen.get("/kiosk/")["Location"] == "/kiosk/activate/"
    html = screen.get("/kiosk/activate/").content.decode()
    code = re.search(r'class="kiosk-pairing__code"[^>]*><span>([A-Z0-9]{4})-([A-Z0-9]{4})</span>', html)
    assert code, "the screen shows its code"
    assert "<svg" in html and 'hx-trigger="every 3s"' in html
    return screen, code.group(1) + code.group(2)


def test_a_new_screen_shows_a_short_code_of_unambiguous_characters_valid_ten_minutes(kindergarten):
    screen, code = _screen()
    assert len(code) == 8 and set(code) <= set(PAIRING_ALPHABET)
    pairing = KioskPairing.objects.get()
    assert pairing.code == code and pairing.expires_at - pairing.created_at == dt.timedelta(minutes=10)
    assert pairing.secret_hash not in screen.cookies[KIOSK_PAIRING_COOKIE].value  # the cookie holds the secret, the row its hash
    again = screen.get("/kiosk/activate/").content.decode()
    assert f"{code[:4]}-{code[4:]}" in again  # the same code while it is valid
    assert KioskPairing.objects.count() == 1


def test_staff_confirm_the_code_and_the_screen_becomes_the_kiosk(kindergarten, staff):
    screen, code = _screen()
    assert screen.post(STATUS, headers={"HX-Request": "true"}).status_code == 204  # not yet: keep asking
    form = staff.get(f"{PAIR}?code={code}").content.decode()
    assert f'value="{code}"' in form  # the QR code's link fills the code in
    response = staff.post(PAIR, {"code": f"{code[:4].lower()} {code[4:]}", "kindergarten": kindergarten.pk, "name": "Холл"})
    assert response.status_code == 302
    kiosk = Kiosk.objects.get()
    assert (kiosk.kindergarten, kiosk.name, kiosk.active) == (kindergarten, "Холл", True)

    response = screen.post(STATUS, headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == "/kiosk/"
    assert screen.cookies[KIOSK_COOKIE].value  # the token went only into the screen's cookie
    assert "Ясли-сад №9 «Арман»" in screen.get("/kiosk/").content.decode()
    assert list(AuditRecord.objects.filter(action__in=("kiosk.pair", "kiosk.register")).values_list("action", "actor_kind").order_by("id")) == [
        ("kiosk.pair", "staff"),
        ("kiosk.register", "public"),  # the screen itself, before it is a kiosk
    ]
    # the pairing is used up: asking again makes a new code, not a second token
    assert screen.post(STATUS)["Location"] == "/kiosk/activate/"


def test_pairing_an_existing_kiosk_moves_it_to_the_new_screen(kindergarten, staff):
    old_screen = Client()
    kiosk = Kiosk(code="arman-hall", name="Холл", kindergarten=kindergarten)
    old_screen.cookies[KIOSK_COOKIE] = kiosk_register(kiosk=kiosk, now=timezone.now())
    assert old_screen.get("/kiosk/").status_code == 200
    screen, code = _screen()
    assert staff.post(PAIR, {"code": code, "kiosk": kiosk.pk}).status_code == 302
    screen.post(STATUS)
    assert screen.get("/kiosk/").status_code == 200
    assert old_screen.get("/kiosk/")["Location"] == "/kiosk/activate/"
    assert Kiosk.objects.count() == 1


def test_a_wrong_or_expired_code_pairs_nothing(kindergarten, staff, monkeypatch):
    screen, code = _screen()
    wrong = code[:-1] + ("A" if code[-1] != "A" else "C")
    html = staff.post(PAIR, {"code": wrong, "kindergarten": kindergarten.pk, "name": "Холл"}).content.decode()
    assert "No kiosk screen shows this code now" in html
    later = timezone.now() + dt.timedelta(minutes=10, seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    html = staff.post(PAIR, {"code": code, "kindergarten": kindergarten.pk, "name": "Холл"}).content.decode()
    assert "No kiosk screen shows this code now" in html
    assert not Kiosk.objects.exists()
    assert screen.post(STATUS)["Location"] == "/kiosk/activate/"  # expired: the screen gets a new code


def test_code_guesses_are_limited(kindergarten, staff):
    for _ in range(10):
        assert staff.post(PAIR, {"code": "AAAAAAAA", "kindergarten": kindergarten.pk, "name": "Холл"}).status_code == 200
    assert staff.post(PAIR, {"code": "AAAAAAAA", "kindergarten": kindergarten.pk, "name": "Холл"}).status_code == 429


def test_the_admin_offers_pairing_and_no_token(kindergarten, staff):
    html = staff.get("/admin/accounts/kiosk/").content.decode()
    assert PAIR in html and "new_token" not in html and "/admin/accounts/kiosk/add/" not in html


def test_an_operator_cannot_pair(kindergarten, client):
    screen, code = _screen()
    client.force_login(User.objects.create_user("operator", password="Operator-Password-17", is_staff=True))
    assert client.get(PAIR).status_code == 403
    # Even with the code a real screen shows, posting the form makes no kiosk: the screen keeps waiting.
    assert client.post(PAIR, {"code": code, "kindergarten": kindergarten.pk, "name": "Холл"}).status_code == 403
    assert not Kiosk.objects.exists()
    assert screen.post(STATUS, headers={"HX-Request": "true"}).status_code == 204
    assert KIOSK_COOKIE not in screen.cookies
