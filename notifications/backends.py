"""SMS backends, chosen by the SMS_BACKEND setting as Django chooses its e-mail backend.

- `ConsoleSmsBackend` logs each SMS with the phone masked (the `make run` default);
- `OutboxSmsBackend` stores each SMS in the `OutboxSms` table: the tests and the demo phone page
  (/demo-phone/) read what the worker "sent" from there;
- `MobizonSmsBackend` posts to the Mobizon HTTP API (a Kazakh SMS provider).

A backend's `send(phone, text)` returns the provider's message id (or None) when the SMS was
accepted, and raises `TemporaryFailure` (try again later) or `PermanentFailure` (give up).
"""

from __future__ import annotations

import http.client
import json
import logging
import socket
import ssl
import sys
import urllib.parse
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from core.phones import phone_digits, phone_masked

logger = logging.getLogger("indigo.sms")


class DeliveryFailure(Exception):
    """The channel did not take the message. The text must never contain a secret (API key, code)."""


class TemporaryFailure(DeliveryFailure):
    """Worth another try later: the gateway is down, slow or rate-limiting."""


class PermanentFailure(DeliveryFailure):
    """Another try would fail the same way: the gateway refused this message."""


class SmsBackend(Protocol):
    def send(self, phone: str, text: str) -> str | None: ...


def get_sms_backend(path: str | None = None) -> SmsBackend:
    return import_string(path or settings.SMS_BACKEND)()


class ConsoleSmsBackend:
    """Development: writes each SMS to standard output, like Django's console e-mail backend
    (the worker's log level does not hide it: a developer needs the codes)."""

    def send(self, phone: str, text: str) -> str | None:
        sys.stdout.write(f"SMS to {phone_masked(phone)}: {text}\n")
        sys.stdout.flush()
        return None


class OutboxSmsBackend:
    """Stores the SMS in the database, in the sending transaction: a rolled-back send leaves no row."""

    def send(self, phone: str, text: str) -> str | None:
        from notifications.models import OutboxSms

        sms = OutboxSms.objects.create(phone=phone_digits(phone), text=text, created_at=timezone.now())
        return str(sms.pk)


class MobizonSmsBackend:
    """Mobizon's `message/sendsmsmessage` (API v1), over the standard library's http.client.

    POST {SMS_GATEWAY_URL}/service/message/sendsmsmessage?api=v1&apiKey=…&output=json with the form
    fields `recipient` (digits only), `text` and optionally `from`; the answer is
    `{"code": 0, "data": {"messageId": …}, "message": ""}`. Code 1 is a validation error (give up),
    code 30 a rate limit (retry). Other non-zero codes are account problems (balance, key, sender
    name) that staff can fix, so they are retried too; the retries end in `failed` after a few
    hours and the admin's "retry now" sends them again.
    """

    path = "/service/message/sendsmsmessage"

    def __init__(
        self,
        *,
        url: str | None = None,
        api_key: str | None = None,
        sender: str | None = None,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
    ) -> None:
        self.url = (settings.SMS_GATEWAY_URL if url is None else url).rstrip("/")
        self.api_key = settings.SMS_GATEWAY_API_KEY if api_key is None else api_key
        self.sender = settings.SMS_GATEWAY_SENDER if sender is None else sender
        self.connect_timeout = float(settings.SMS_GATEWAY_CONNECT_TIMEOUT if connect_timeout is None else connect_timeout)
        self.read_timeout = float(settings.SMS_GATEWAY_READ_TIMEOUT if read_timeout is None else read_timeout)

    def send(self, phone: str, text: str) -> str | None:
        if not self.url or not self.api_key:
            raise TemporaryFailure("SMS_GATEWAY_URL or SMS_GATEWAY_API_KEY is not set")
        recipient = phone_digits(phone)
        if not recipient:
            raise PermanentFailure("no phone number")
        fields = {"recipient": recipient, "text": text}
        if self.sender:
            fields["from"] = self.sender
        status, body = self._post(fields)
        if status == 429 or status >= 500:
            raise TemporaryFailure(f"HTTP {status} from the SMS gateway")
        if 400 <= status < 500:
            raise PermanentFailure(f"HTTP {status} from the SMS gateway")
        if status != 200:
            raise TemporaryFailure(f"unexpected HTTP {status} from the SMS gateway")
        try:
            answer = json.loads(body)
            code = int(answer["code"])
        except (ValueError, TypeError, KeyError):
            raise TemporaryFailure("the SMS gateway's answer is not Mobizon JSON") from None
        if code == 0:
            data = answer.get("data") or {}
            message_id = data.get("messageId") if isinstance(data, dict) else None
            logger.info("SMS to %s accepted by Mobizon as %s", phone_masked(recipient), message_id)
            return None if message_id is None else str(message_id)
        detail = self.redact(str(answer.get("message") or ""))[:200]
        if code == 1:
            raise PermanentFailure(f"Mobizon code 1 (validation error): {detail}")
        raise TemporaryFailure(f"Mobizon code {code}: {detail}")

    def _post(self, fields: dict[str, str]) -> tuple[int, bytes]:
        parts = urllib.parse.urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise TemporaryFailure("SMS_GATEWAY_URL is not an http(s) URL")
        query = urllib.parse.urlencode({"api": "v1", "apiKey": self.api_key, "output": "json"})
        target = f"{parts.path.rstrip('/')}{self.path}?{query}"
        body = urllib.parse.urlencode(fields).encode()
        headers = {
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            "Accept": "application/json",
            "User-Agent": "INDIGO",
        }
        connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        connection = connection_class(parts.hostname, parts.port, timeout=self.connect_timeout)
        # Exceptions are re-raised `from None`: a chained traceback must not carry the request URL.
        try:
            connection.connect()
            connection.sock.settimeout(self.read_timeout)  # the connect timeout ends here
            connection.request("POST", target, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.read(65536)
        except TimeoutError:
            raise TemporaryFailure("the SMS gateway timed out") from None
        except ssl.SSLError as exc:
            raise TemporaryFailure(f"TLS error talking to the SMS gateway: {type(exc).__name__}") from None
        except (OSError, http.client.HTTPException) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
            if isinstance(exc, socket.gaierror):
                reason = "host name not resolved"
            raise TemporaryFailure(f"cannot reach the SMS gateway: {self.redact(str(reason))}") from None
        finally:
            connection.close()

    def redact(self, text: str) -> str:
        """Remove the API key, raw or URL-quoted, from a text bound for a log or `last_error`."""
        if self.api_key:
            for form in {self.api_key, urllib.parse.quote(self.api_key), urllib.parse.quote_plus(self.api_key)}:
                text = text.replace(form, "***")
        return text
