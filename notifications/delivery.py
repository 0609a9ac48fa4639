"""Hand one message to its channel, once (SPEC §9).

The message row is locked (`select_for_update`) and must still be `queued` while the channel is
called, so a task that runs twice, or a re-dispatch that races a retry, sends nothing the second
time. A temporary failure keeps the message queued and says when to try again; a permanent one,
or too many temporary ones, marks it failed (the admin's "retry now" can queue it again).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import smtplib
from typing import Any

from django.conf import settings
from django.core.mail import BadHeaderError, send_mail
from django.db import transaction
from django.utils import translation

from core.metrics import metrics_delivery
from notifications.backends import DeliveryFailure, PermanentFailure, TemporaryFailure, get_sms_backend
from notifications.models import Event, Message
from notifications.sealing import code_text_open
from notifications.texts import email_subject, message_text, sms_fit

logger = logging.getLogger(__name__)

# The first try and 8 retries, 1 minute to 1 hour apart: a gateway may be down ~3 hours before
# a message is marked failed.
MAX_ATTEMPTS = 9
RETRY_BASE_SECONDS = 60
RETRY_MAX_SECONDS = 3600
# A one-time code is worthless once it expires (SPEC §9: valid 5 minutes): a few quick retries
# only, all within its validity; the task itself expires with the code (services.sms_send_code).
CODE_RETRY_SECONDS = (5, 15, 30, 60)


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What became of one delivery attempt; `retry_in` seconds when the task should try again."""

    status: str  # "sent", "retry", "failed", or "skipped" (not queued, or another worker holds it)
    retry_in: int | None = None


def retry_delay(*, event: str, attempts: int) -> int | None:
    """Seconds until the next try after `attempts` failed ones, or None to give up."""
    if event == Event.CODE:
        return CODE_RETRY_SECONDS[attempts - 1] if attempts <= len(CODE_RETRY_SECONDS) else None
    if attempts >= MAX_ATTEMPTS:
        return None
    return min(RETRY_BASE_SECONDS * 2 ** (attempts - 1), RETRY_MAX_SECONDS)


def _secret_free(text: str) -> str:
    """Belt and braces: whatever a channel said, the gateway's key is not written down."""
    key = getattr(settings, "SMS_GATEWAY_API_KEY", "")
    if key:
        text = text.replace(key, "***")
    return text[:2000]


def message_render(message: Message) -> str:
    """The message's text in its language (never for a code: its text is not stored)."""
    context: dict[str, Any] = dict(message.context)
    if message.application_id is not None and "number" not in context:
        context["number"] = message.application.number
    with translation.override(message.language or settings.LANGUAGE_CODE):
        if message.channel == "sms":
            return sms_fit(message.event, context)
        return message_text(message.event, context)


def _hand_over(message: Message, text: str) -> None:
    if not message.recipient:
        raise PermanentFailure("no phone number or e-mail address to send to")
    if message.channel == "email":
        with translation.override(message.language or settings.LANGUAGE_CODE):
            subject = email_subject(message.event)
        try:
            send_mail(subject, text, None, [message.recipient], fail_silently=False)
        except (smtplib.SMTPRecipientsRefused, BadHeaderError) as exc:
            raise PermanentFailure(f"the mail server refused the message: {type(exc).__name__}") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise TemporaryFailure(f"cannot send e-mail: {type(exc).__name__}: {exc}") from None
        return
    get_sms_backend().send(message.recipient, text)


def message_deliver(*, message_id: int, now: dt.datetime, text: str | None = None) -> Outcome:
    """Send a queued message once. `text` is given for one-time codes, whose text is never stored."""
    with transaction.atomic():
        message = Message.objects.select_for_update(skip_locked=True).filter(pk=message_id, status=Message.Status.QUEUED).first()
        if message is None:
            return Outcome("skipped")
        if message.event == Event.CODE and text is None:
            return _give_up(message, "a code's text is not stored: ask for a new code")
        message.attempts += 1
        try:
            # A savepoint: a failed database write inside the channel (the outbox) leaves the
            # message row usable for recording the failure.
            with transaction.atomic():
                _hand_over(message, message_render(message) if text is None else text)
        except PermanentFailure as exc:
            return _give_up(message, str(exc))
        except Exception as exc:
            # Anything else (a bug, an unexpected library error) is retried like a gateway outage,
            # so it ends in `failed` after MAX_ATTEMPTS instead of looping in the stuck-message sweep.
            if not isinstance(exc, TemporaryFailure):
                logger.exception("message %s: unexpected error from the %s channel", message.pk, message.channel)
            return _try_later(message, exc, now)
        message.status = Message.Status.SENT
        message.sent_at = now
        message.next_attempt_at = None
        message.save(update_fields=["status", "sent_at", "attempts", "next_attempt_at"])
        metrics_delivery(channel=message.channel, event=message.event, outcome="sent")
        return Outcome("sent")


def code_deliver(*, message_id: int, sealed_text: str, now: dt.datetime) -> Outcome:
    """Send a queued one-time code whose text comes sealed (notifications.sealing). A seal that
    does not open (tampered, another key, older than the code) fails the message and sends nothing."""
    text = code_text_open(sealed_text)
    if text is not None:
        return message_deliver(message_id=message_id, now=now, text=text)
    with transaction.atomic():
        message = Message.objects.select_for_update(skip_locked=True).filter(pk=message_id, event=Event.CODE, status=Message.Status.QUEUED).first()
        if message is None:
            return Outcome("skipped")
        return _give_up(message, "the code's sealed text did not open (changed, another key, or too old): ask for a new code")


def _give_up(message: Message, error: str) -> Outcome:
    message.status = Message.Status.FAILED
    message.last_error = _secret_free(error)
    message.next_attempt_at = None
    message.save(update_fields=["status", "last_error", "attempts", "next_attempt_at"])
    logger.warning("message %s (%s) failed: %s", message.pk, message.event, message.last_error)
    metrics_delivery(channel=message.channel, event=message.event, outcome="failed")
    return Outcome("failed")


def _try_later(message: Message, exc: Exception, now: dt.datetime) -> Outcome:
    error = str(exc) if isinstance(exc, DeliveryFailure) else f"{type(exc).__name__}: {exc}"
    delay = retry_delay(event=message.event, attempts=message.attempts)
    if delay is None:
        return _give_up(message, f"{error} (gave up after {message.attempts} attempts)")
    message.last_error = _secret_free(error)
    message.next_attempt_at = now + dt.timedelta(seconds=delay)
    message.save(update_fields=["last_error", "attempts", "next_attempt_at"])
    logger.info("message %s (%s) will be retried in %s s: %s", message.pk, message.event, delay, message.last_error)
    metrics_delivery(channel=message.channel, event=message.event, outcome="retry")
    return Outcome("retry", retry_in=delay)
