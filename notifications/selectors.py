"""Reads for the notifications pages."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet

from core.phones import phone_digits
from notifications.models import OutboxSms

OUTBOX_BACKEND = "notifications.backends.OutboxSmsBackend"


def demo_phone_enabled() -> bool:
    """The demo phone shows every SMS "sent" to any number: only in development or a demo
    deployment on the outbox backend, and only while INDIGO_DEMO_PHONE is on."""
    return bool((settings.DEBUG or settings.SMS_BACKEND == OUTBOX_BACKEND) and getattr(settings, "INDIGO_DEMO_PHONE", settings.DEBUG))


def outbox_for_phone(*, phone: str, limit: int = 20) -> QuerySet[OutboxSms]:
    """The last SMS the outbox backend "sent" to this number, newest first."""
    return OutboxSms.objects.filter(phone=phone_digits(phone)).order_by("-created_at", "-id")[:limit]
