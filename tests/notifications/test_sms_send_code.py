"""One-time codes (SPEC §9): delivered by SMS, never written down in the Message row."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core import serializers
from django.utils import timezone

from notifications.models import OutboxSms
from notifications.services import messages_resend_stuck, sms_send_code

pytestmark = pytest.mark.django_db

CODE = "482915"


def test_the_code_reaches_the_phone_and_its_message_row_holds_no_code(django_capture_on_commit_callbacks, catalogs):
    with django_capture_on_commit_callbacks(execute=True):
        message = sms_send_code(phone="+7 701 123 45 67", code=CODE, language="kk", now=timezone.now(), purpose="login")

    message.refresh_from_db()
    assert (message.event, message.application, message.context, message.status) == ("code", None, {"purpose": "login"}, "sent")
    row = serializers.serialize("json", [message])
    assert CODE not in row
    assert CODE not in json.dumps(message.context)
    [sms] = OutboxSms.objects.filter(phone="77011234567")
    assert sms.text == f"INDIGO коды: {CODE}. 5 минут жарамды. Оны ешкімге айтпаңыз."


def test_nothing_is_sent_before_the_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sms_send_code(phone="+77011234567", code=CODE, language="ru", now=timezone.now(), purpose="phone_confirm")

    assert not OutboxSms.objects.exists()
    assert len(callbacks) == 1


def test_a_code_held_up_past_its_validity_is_failed_not_sent(django_capture_on_commit_callbacks, settings, closed_port_url):
    settings.SMS_BACKEND = "notifications.backends.MobizonSmsBackend"
    settings.SMS_GATEWAY_URL = closed_port_url
    settings.SMS_GATEWAY_API_KEY = "k"
    with django_capture_on_commit_callbacks(execute=True):
        message = sms_send_code(phone="+77011234567", code=CODE, language="ru", now=timezone.now(), purpose="login")
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("queued", 1)

    # The worker's retries are lost; the sweep cannot resend a code whose text was never stored.
    messages_resend_stuck(now=timezone.now() + dt.timedelta(minutes=30))

    message.refresh_from_db()
    assert message.status == "failed"
    assert CODE not in message.last_error
