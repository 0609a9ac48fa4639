"""Delivery: once per message, a gateway outage delays and never loses, a refusal fails at once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.db import connection

from notifications.delivery import MAX_ATTEMPTS, message_deliver, retry_delay
from notifications.models import Message, OutboxSms
from notifications.services import deliveries_suspended
from notifications.tasks import message_send
from tests.factories import ApplicationFactory
from tests.notifications.conftest import API_KEY

PHONE = "+77011234567"


def _registered(**application) -> Message:
    """A filed application's "registered" message, queued and not yet dispatched."""
    with deliveries_suspended():
        application = ApplicationFactory(**{"phone": PHONE, "language": "ru", **application})
    return Message.objects.get(application=application, event="registered")


@pytest.mark.django_db
def test_a_message_whose_task_runs_twice_is_sent_once():
    message = _registered()

    message_send.delay(message.pk)
    message_send.delay(message.pk)

    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 1)
    assert OutboxSms.objects.filter(phone="77011234567").count() == 1


@pytest.mark.django_db
def test_the_sms_carries_the_rendered_text_in_the_applicants_language(catalogs):
    message = _registered(language="kk")

    message_send.delay(message.pk)

    [sms] = OutboxSms.objects.all()
    number = message.application.number
    assert sms.text == f"INDIGO: №{number} өтініш балабақша кезегіне тіркелді."


@pytest.mark.django_db
def test_a_gateway_that_is_down_delays_the_message_and_a_later_run_sends_it(settings, mobizon, closed_port_url):
    message = _registered()
    settings.SMS_GATEWAY_URL = closed_port_url  # the gateway is down

    message_send.delay(message.pk)

    message.refresh_from_db()
    assert (message.status, message.attempts, message.sent_at) == ("queued", 1, None)
    assert "cannot reach the SMS gateway" in message.last_error
    assert message.next_attempt_at is not None

    settings.SMS_GATEWAY_URL = mobizon.url  # back up: the retry (or the stuck-message sweep) sends it
    message_send.delay(message.pk)

    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 2)
    [request] = mobizon.requests
    assert request["form"]["recipient"] == "77011234567"
    assert str(message.application.number) in request["form"]["text"]


@pytest.mark.django_db
def test_a_message_is_failed_after_the_last_of_its_retries(mobizon):
    mobizon.reply(status=503)
    message = _registered()

    outcomes = [message_deliver(message_id=message.pk, now=message.created_at) for _ in range(MAX_ATTEMPTS + 2)]

    message.refresh_from_db()
    assert [o.status for o in outcomes] == ["retry"] * (MAX_ATTEMPTS - 1) + ["failed", "skipped", "skipped"]
    assert (message.status, message.attempts) == ("failed", MAX_ATTEMPTS)
    assert "gave up after 9 attempts" in message.last_error
    assert len(mobizon.requests) == MAX_ATTEMPTS


def test_retries_back_off_exponentially_from_a_minute_to_an_hour_then_stop():
    delays = [retry_delay(event="registered", attempts=n) for n in range(1, MAX_ATTEMPTS + 1)]
    assert delays == [60, 120, 240, 480, 960, 1920, 3600, 3600, None]


def test_a_code_is_retried_only_briefly():
    assert [retry_delay(event="code", attempts=n) for n in range(1, 6)] == [5, 15, 30, 60, None]


@pytest.mark.django_db
def test_the_task_asks_celery_for_a_retry_when_the_gateway_is_down(settings, mobizon):
    mobizon.reply(status=500)
    message = _registered()

    # Called directly, not eagerly: the task's request is a worker's, and Celery raises Retry.
    with pytest.raises(Retry):
        message_send(message.pk)

    message.refresh_from_db()
    assert (message.status, message.attempts) == ("queued", 1)


@pytest.mark.django_db
def test_an_email_message_goes_through_djangos_mail_in_the_applicants_language(catalogs):
    message = _registered(channel="email", email="parent@example.kz", language="ru")

    message_send.delay(message.pk)

    message.refresh_from_db()
    assert message.status == "sent"
    [email] = mail.outbox
    assert email.to == ["parent@example.kz"]
    assert email.subject == "INDIGO: заявление зарегистрировано"
    assert email.body == f"INDIGO: заявление №{message.application.number} зарегистрировано в очереди в детский сад."
    assert not OutboxSms.objects.exists()


@pytest.mark.django_db
def test_a_message_without_a_recipient_is_failed_and_never_dispatched():
    application = ApplicationFactory(phone="")

    message = Message.objects.get(application=application)

    assert message.status == "failed"
    assert "no phone number" in message.last_error


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks and several connections")
def test_two_workers_racing_for_one_message_send_it_once(mobizon):
    mobizon.delay = 0.3  # the first worker holds the row while the gateway answers
    message = _registered()
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            outcomes.append(message_deliver(message_id=message.pk, now=dt.datetime.now(dt.UTC)).status)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["sent", "skipped", "skipped", "skipped"]
    assert len(mobizon.requests) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 1)
    assert API_KEY not in message.last_error
