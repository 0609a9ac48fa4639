"""/demo-phone/: what a phone would have received, only in development or a demo deployment."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from notifications.models import OutboxSms

pytestmark = pytest.mark.django_db

OUTBOX = "notifications.backends.OutboxSmsBackend"
CONSOLE = "notifications.backends.ConsoleSmsBackend"


@pytest.fixture
def sms():
    now = timezone.now()
    OutboxSms.objects.create(phone="77011234567", text="INDIGO код: 111111", created_at=now - dt.timedelta(minutes=2))
    OutboxSms.objects.create(phone="77011234567", text="INDIGO код: 222222", created_at=now)
    OutboxSms.objects.create(phone="77779998877", text="INDIGO код: 999999", created_at=now)


@pytest.mark.parametrize(("debug", "backend"), [(True, CONSOLE), (False, OUTBOX), (True, OUTBOX)])
def test_the_page_shows_the_numbers_messages_newest_first(client, settings, sms, debug, backend):
    settings.DEBUG, settings.SMS_BACKEND, settings.INDIGO_DEMO_PHONE = debug, backend, True

    response = client.get("/demo-phone/", {"phone": "8 701 123 45 67"})

    assert response.status_code == 200
    page = response.content.decode()
    assert page.index("222222") < page.index("111111")
    assert "999999" not in page
    assert response["Cache-Control"].startswith("max-age=0")


def test_without_a_number_the_page_shows_only_the_form(client, settings, sms):
    settings.SMS_BACKEND, settings.INDIGO_DEMO_PHONE = OUTBOX, True

    response = client.get("/demo-phone/")

    assert response.status_code == 200
    assert 'name="phone"' in response.content.decode()
    assert "111111" not in response.content.decode()


def test_htmx_polling_gets_only_the_message_list(client, settings, sms):
    settings.SMS_BACKEND, settings.INDIGO_DEMO_PHONE = OUTBOX, True

    response = client.get("/demo-phone/", {"phone": "+77011234567"}, headers={"HX-Request": "true"})

    page = response.content.decode()
    assert "222222" in page
    assert "<html" not in page


@pytest.mark.parametrize(
    ("debug", "backend", "enabled"),
    [(False, OUTBOX, False), (True, OUTBOX, False), (False, CONSOLE, True), (False, "notifications.backends.MobizonSmsBackend", True)],
)
def test_the_page_is_not_found_in_production_or_when_switched_off(client, settings, sms, debug, backend, enabled):
    settings.DEBUG, settings.SMS_BACKEND, settings.INDIGO_DEMO_PHONE = debug, backend, enabled

    response = client.get("/demo-phone/", {"phone": "+77011234567"})

    assert response.status_code == 404
    assert "111111" not in response.content.decode()
