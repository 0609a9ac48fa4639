"""The real Mobizon adapter against a local fake of its HTTP API (STYLE: mock only what leaves
the machine, and test the adapter for real)."""

from __future__ import annotations

import logging
import socket
import threading

import pytest

from notifications.backends import MobizonSmsBackend, PermanentFailure, TemporaryFailure
from notifications.delivery import message_deliver
from notifications.models import Message
from tests.factories import ApplicationFactory
from tests.notifications.conftest import API_KEY

pytestmark = pytest.mark.django_db

PHONE = "+7 701 123 45 67"


def _queued_message() -> Message:
    application = ApplicationFactory(phone=PHONE, language="ru")
    return Message.objects.get(application=application, event="registered")


def test_an_accepted_sms_is_posted_as_mobizon_documents_it_and_returns_its_id(mobizon):
    message_id = MobizonSmsBackend().send(PHONE, "INDIGO: өтініш тіркелді.")

    assert message_id == "1001"
    [request] = mobizon.requests
    assert request["path"] == "/service/message/sendsmsmessage"
    assert request["query"] == {"api": ["v1"], "apiKey": [API_KEY], "output": ["json"]}
    assert request["form"] == {"recipient": "77011234567", "text": "INDIGO: өтініш тіркелді.", "from": "INDIGO"}


def test_the_sender_field_is_left_out_when_no_sender_name_is_set(mobizon, settings):
    settings.SMS_GATEWAY_SENDER = ""
    MobizonSmsBackend().send(PHONE, "text")
    assert "from" not in mobizon.requests[0]["form"]


def test_a_validation_error_code_1_is_a_permanent_failure(mobizon):
    mobizon.reply(answer={"code": 1, "data": {"recipient": "bad number"}, "message": "Validation error"})
    with pytest.raises(PermanentFailure, match="code 1"):
        MobizonSmsBackend().send(PHONE, "text")


def test_the_rate_limit_code_30_is_a_temporary_failure(mobizon):
    mobizon.reply(answer={"code": 30, "data": [], "message": "Too many requests"})
    with pytest.raises(TemporaryFailure, match="code 30"):
        MobizonSmsBackend().send(PHONE, "text")


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_a_server_error_or_http_429_is_a_temporary_failure(mobizon, status):
    mobizon.reply(status=status)
    with pytest.raises(TemporaryFailure, match=str(status)):
        MobizonSmsBackend().send(PHONE, "text")


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_another_client_error_is_a_permanent_failure(mobizon, status):
    mobizon.reply(status=status)
    with pytest.raises(PermanentFailure, match=str(status)):
        MobizonSmsBackend().send(PHONE, "text")


def test_an_answer_that_is_not_json_is_a_temporary_failure(mobizon):
    mobizon.reply(answer=["not", "mobizon"])
    with pytest.raises(TemporaryFailure, match="not Mobizon JSON"):
        MobizonSmsBackend().send(PHONE, "text")


def test_a_hanging_gateway_times_out_after_the_read_timeout_as_a_temporary_failure(mobizon, monkeypatch):
    """No stopwatch (a slow machine would fail it): the backend's own socket is seen to wait for the
    configured read timeout, and "timed out" is what a timeout raises — had the fake's 10 s hang ended
    first, the closed connection would read "cannot reach the SMS gateway"."""
    mobizon.hang = True
    timeouts: list[float | None] = []
    settimeout, caller = socket.socket.settimeout, threading.get_ident()

    def spy(sock: socket.socket, value: float | None) -> None:
        if threading.get_ident() == caller:  # the backend's socket, not the fake's
            timeouts.append(value)
        settimeout(sock, value)

    monkeypatch.setattr(socket.socket, "settimeout", spy)
    with pytest.raises(TemporaryFailure, match="timed out"):
        MobizonSmsBackend().send(PHONE, "text")
    assert timeouts and timeouts[-1] == 0.5  # settings.SMS_GATEWAY_READ_TIMEOUT in the `mobizon` fixture
    assert len(mobizon.requests) == 1


def test_a_refused_connection_is_a_temporary_failure(settings, closed_port_url):
    with pytest.raises(TemporaryFailure, match="cannot reach"):
        MobizonSmsBackend(url=closed_port_url, api_key=API_KEY).send(PHONE, "text")


def test_an_unconfigured_gateway_is_a_temporary_failure_not_a_lost_message(settings):
    settings.SMS_GATEWAY_URL = ""
    with pytest.raises(TemporaryFailure, match="not set"):
        MobizonSmsBackend().send(PHONE, "text")


def test_through_delivery_code_1_fails_the_message_at_once(mobizon):
    mobizon.reply(answer={"code": 1, "data": {}, "message": "Validation error"})
    message = _queued_message()

    outcome = message_deliver(message_id=message.pk, now=message.created_at)

    message.refresh_from_db()
    assert outcome.status == "failed"
    assert (message.status, message.attempts) == ("failed", 1)
    assert "code 1" in message.last_error


def test_through_delivery_code_30_keeps_the_message_queued_for_a_retry(mobizon):
    mobizon.reply(answer={"code": 30, "data": [], "message": "Rate limit"})
    message = _queued_message()

    outcome = message_deliver(message_id=message.pk, now=message.created_at)

    message.refresh_from_db()
    assert outcome.status == "retry"
    assert outcome.retry_in == 60
    assert (message.status, message.attempts, message.sent_at) == ("queued", 1, None)
    assert "code 30" in message.last_error


@pytest.mark.parametrize(
    "setup",
    [
        pytest.param(lambda fake: fake.reply(answer={"code": 1, "message": f"bad request /x?apiKey={API_KEY}"}), id="code-1-echoing-the-key"),
        pytest.param(lambda fake: fake.reply(answer={"code": 30, "message": f"slow down, {API_KEY}"}), id="code-30-echoing-the-key"),
        pytest.param(lambda fake: fake.reply(status=500), id="http-500"),
        pytest.param(lambda fake: setattr(fake, "hang", True), id="timeout"),
    ],
)
def test_the_api_key_never_appears_in_last_error_or_the_logs(mobizon, caplog, setup):
    setup(mobizon)
    message = _queued_message()

    with caplog.at_level(logging.DEBUG):
        message_deliver(message_id=message.pk, now=message.created_at)

    message.refresh_from_db()
    assert message.last_error
    assert API_KEY not in message.last_error
    assert API_KEY not in caplog.text
