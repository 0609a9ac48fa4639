"""One-time codes (SPEC §9): delivered by SMS, never written down in the Message row, encrypted
while they wait in the broker; a broker that does not take one is told to the family."""

from __future__ import annotations

import datetime as dt
import json
from unittest.mock import Mock

import pytest
from django.core import serializers
from django.utils import timezone, translation
from kombu.exceptions import OperationalError

from core.errors import Refusal
from indigo.celery import app as celery_app
from notifications.models import Message, OutboxSms
from notifications.services import messages_resend_stuck, sms_send_code
from notifications.tasks import code_send
from notifications.texts import message_text

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
    assert sms.text == f"INDIGO: кабинетке кіру коды: {CODE}. Ешкімге айтпаңыз."


@pytest.fixture
def broker():
    """A real (in-memory) broker instead of eager tasks: what apply_async publishes is what a
    worker, or anyone who reads Redis, would get. Yields a function returning the next raw message."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        with celery_app.connection_for_read() as connection:
            channel = connection.default_channel
            while channel.basic_get("celery", no_ack=True) is not None:  # left by another test
                pass
            yield lambda: channel.basic_get("celery", no_ack=True)
    finally:
        celery_app.conf.task_always_eager = eager


def test_the_code_crosses_the_broker_encrypted_and_still_reaches_the_phone(broker, catalogs):
    message = sms_send_code(phone="+7 701 123 45 67", code=CODE, language="ru", now=timezone.now(), purpose="login")

    published = broker()
    assert published is not None and broker() is None
    with translation.override("ru"):
        text = message_text("code", {"code": CODE, "purpose": "login"})
    raw = published.body.decode() + json.dumps(published.headers, default=str) + json.dumps(published.properties, default=str)
    assert CODE not in raw and text not in raw
    assert not OutboxSms.objects.exists()

    # A worker takes it: the sealed argument opens and the SMS carries the code.
    args, kwargs, _ = published.decode()
    code_send.apply(args=args, kwargs=kwargs)
    [sms] = OutboxSms.objects.filter(phone="77011234567")
    assert sms.text == text and CODE in sms.text
    message.refresh_from_db()
    assert message.status == "sent"


@pytest.mark.parametrize("tamper", [lambda token: token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), lambda token: f"INDIGO код: {CODE}"])
def test_a_changed_or_plain_text_argument_fails_the_message_and_sends_nothing(broker, tamper):
    message = sms_send_code(phone="+77011234567", code=CODE, language="ru", now=timezone.now(), purpose="login")
    args, kwargs, _ = broker().decode()

    code_send.apply(args=(args[0], tamper(args[1])), kwargs=kwargs)

    assert not OutboxSms.objects.exists()
    message.refresh_from_db()
    assert message.status == "failed" and "ask for a new code" in message.last_error


def test_a_sealed_text_under_another_key_does_not_open(broker, settings):
    message = sms_send_code(phone="+77011234567", code=CODE, language="ru", now=timezone.now(), purpose="login")
    args, kwargs, _ = broker().decode()
    settings.CODE_ENCRYPTION_KEY = "another-key-on-the-worker"

    code_send.apply(args=args, kwargs=kwargs)

    assert not OutboxSms.objects.exists()
    message.refresh_from_db()
    assert message.status == "failed"


def test_a_broker_that_does_not_take_the_code_fails_the_message_and_refuses(monkeypatch):
    monkeypatch.setattr(code_send, "apply_async", Mock(side_effect=OperationalError("Error 111 connecting to redis:6379. Connection refused.")))

    with pytest.raises(Refusal) as refusal:
        sms_send_code(phone="+77011234567", code=CODE, language="ru", now=timezone.now(), purpose="login")

    assert refusal.value.code == "code_not_sent"
    [message] = Message.objects.all()
    assert message.status == "failed" and "broker" in message.last_error and CODE not in message.last_error
    assert not OutboxSms.objects.exists()


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
