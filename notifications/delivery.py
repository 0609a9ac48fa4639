"""Render and hand a message to its channel. The SMS backend is a setting (like Django's e-mail)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string

from notifications.models import Message
from notifications.texts import message_text

logger = logging.getLogger(__name__)


def sms_backend():
    return import_string(getattr(settings, "SMS_BACKEND", "notifications.backends.ConsoleSmsBackend"))()


def message_deliver(*, message_id: int) -> bool:
    """Send a queued message once; True if it was sent now. Safe to run twice."""
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(pk=message_id, status=Message.Status.QUEUED).first()
        if message is None:
            return False
        with translation.override(message.language):
            text = message_text(message.event, message.context)
        message.attempts += 1
        try:
            if message.channel == "email":
                send_mail(str(message.get_event_display()), text, None, [message.recipient])
            else:
                sms_backend().send(message.recipient, text)
        except ConnectionError as exc:
            Message.objects.filter(pk=message.pk).update(attempts=message.attempts, last_error=str(exc)[:2000])
            raise
        message.status = Message.Status.SENT
        message.sent_at = timezone.now()
        message.save(update_fields=["status", "sent_at", "attempts"])
        return True
