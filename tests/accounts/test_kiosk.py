"""SPEC §10 kiosk: a registered screen; sessions end after 90 s idle and on "finish"; a kiosk login
never becomes the cabinet's registered device; nothing is cached between families."""

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from accounts.kiosks import KIOSK_COOKIE, kiosk_register
from accounts.models import Cabinet, Kiosk
from placements.models import Kindergarten
from tests.accounts.test_cabinet_login import _expire_resend_wait, _first_login, _login

pytestmark = pytest.mark.django_db


@pytest.fixture
def kiosk_client(locality):
    kindergarten = Kindergarten.objects.create(code="arman", name="Ясли-сад №9 «Арман»", locality=locality)
    kiosk = Kiosk(code="arman-hall", name="Арман, холл", kindergarten=kindergarten)
    client = Client()
    client.cookies[KIOSK_COOKIE] = kiosk_register(kiosk=kiosk, now=timezone.now())  # as pairing leaves it (test_kiosk_pairing.py)
    return client


def test_a_made_up_kiosk_cookie_does_not_make_a_kiosk(client, locality):
    client.cookies[KIOSK_COOKIE] = "guess"
    assert client.get("/kiosk/")["Location"] == "/kiosk/activate/"


def test_the_start_screen_names_the_kindergarten_and_is_never_cached(kiosk_client):
    response = kiosk_client.get("/kiosk/")
    assert "Ясли-сад №9 «Арман»" in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_a_kiosk_login_never_replaces_the_registered_device(kiosk_client, application, django_capture_on_commit_callbacks):
    home_phone = Client()
    _first_login(home_phone, django_capture_on_commit_callbacks)
    device = Cabinet.objects.get().device_token_hash
    _expire_resend_wait()
    assert _login(kiosk_client, django_capture_on_commit_callbacks).status_code == 302
    assert kiosk_client.get("/cabinet/").status_code == 200
    assert Cabinet.objects.get().device_token_hash == device
    assert home_phone.get("/cabinet/").status_code == 200  # the home device is still logged in


def _idle(monkeypatch, seconds: int) -> None:
    """The kiosk is left alone for `seconds`: the clock the middleware reads (`timezone.now`) moves on,
    nothing is written into the session behind its back, and no real time passes."""
    later = timezone.now() + dt.timedelta(seconds=seconds)
    monkeypatch.setattr(timezone, "now", lambda: later)


def test_ninety_seconds_without_input_end_the_kiosk_session(kiosk_client, application, django_capture_on_commit_callbacks, monkeypatch):
    _first_login(kiosk_client, django_capture_on_commit_callbacks)
    assert kiosk_client.get("/cabinet/").status_code == 200
    _idle(monkeypatch, 91)
    response = kiosk_client.get("/cabinet/")
    assert response.status_code == 302 and response.url.startswith("/cabinet/login/")
    assert kiosk_client.get("/kiosk/").status_code == 200  # the next family finds the kiosk's start screen


def test_eighty_seconds_without_input_keep_it(kiosk_client, application, django_capture_on_commit_callbacks, monkeypatch):
    _first_login(kiosk_client, django_capture_on_commit_callbacks)
    _idle(monkeypatch, 80)
    response = kiosk_client.get("/cabinet/")
    assert response.status_code == 200 and application.child_last_name in response.content.decode()


def test_finish_forgets_the_family(kiosk_client, application, django_capture_on_commit_callbacks):
    _first_login(kiosk_client, django_capture_on_commit_callbacks)
    response = kiosk_client.post("/kiosk/finish/")
    assert response.status_code == 302 and response.url == "/kiosk/"
    assert kiosk_client.get("/cabinet/").status_code == 302
    assert kiosk_client.get("/kiosk/").status_code == 200  # still a kiosk


def test_kiosk_forms_do_not_autofill(kiosk_client):
    page = kiosk_client.get("/cabinet/login/").content.decode()
    assert 'autocomplete="off"' in page


def test_public_pages_on_a_kiosk_keep_the_kiosk_layout_with_finish(kiosk_client):
    page = kiosk_client.get("/open/check/").content.decode()
    assert 'class="kiosk-finish"' in page
    assert "/admin/" not in page


def _session_cookie_on(client: Client, source: Client) -> Client:
    client.cookies[settings.SESSION_COOKIE_NAME] = source.cookies[settings.SESSION_COOKIE_NAME].value
    return client


def test_a_kiosk_session_copied_to_a_device_without_the_kiosk_cookie_is_not_logged_in(kiosk_client, application, django_capture_on_commit_callbacks):
    _first_login(kiosk_client, django_capture_on_commit_callbacks)
    assert kiosk_client.get("/cabinet/").status_code == 200
    elsewhere = _session_cookie_on(Client(), kiosk_client)
    response = elsewhere.get("/cabinet/")
    assert response.status_code == 302 and response.url == "/cabinet/login/"
    assert kiosk_client.get("/cabinet/").status_code == 302  # the copied session is gone for good


def test_a_kiosk_session_is_not_valid_on_another_kiosk(kiosk_client, application, django_capture_on_commit_callbacks):
    _first_login(kiosk_client, django_capture_on_commit_callbacks)
    other = Kiosk(code="arman-hall-2", name="Арман, 2 этаж", kindergarten=Kiosk.objects.get().kindergarten)
    other_kiosk = Client()
    other_kiosk.cookies[KIOSK_COOKIE] = kiosk_register(kiosk=other, now=timezone.now())
    assert _session_cookie_on(other_kiosk, kiosk_client).get("/cabinet/").status_code == 302


def test_the_admin_sees_when_a_kiosk_was_last_on_written_at_most_every_five_minutes(kiosk_client, monkeypatch):
    kiosk = Kiosk.objects.get(code="arman-hall")
    assert kiosk.last_seen_at is None
    first = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: first)
    kiosk_client.get("/kiosk/")
    assert Kiosk.objects.get(pk=kiosk.pk).last_seen_at == first

    monkeypatch.setattr(timezone, "now", lambda: first + dt.timedelta(minutes=4))
    kiosk_client.get("/kiosk/")  # a poll inside five minutes writes nothing
    assert Kiosk.objects.get(pk=kiosk.pk).last_seen_at == first

    monkeypatch.setattr(timezone, "now", lambda: first + dt.timedelta(minutes=6))
    kiosk_client.get("/kiosk/")
    assert Kiosk.objects.get(pk=kiosk.pk).last_seen_at == first + dt.timedelta(minutes=6)
