"""Messages to families (SPEC §9): one row per message, delivered once by a Celery task."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.phones import phone_masked, recipient_masked


class Event(models.TextChoices):
    REGISTERED = "registered", _("application registered")
    BENEFIT_REJECTED = "benefit_rejected", _("benefit rejected")
    GRANT_OPENED = "grant_opened", _("priority access opened")
    DIRECTION_ISSUED = "direction_issued", _("direction issued")
    DIRECTION_EXPIRING = "direction_expiring", _("direction expires tomorrow")
    DIRECTION_EXTENDED = "direction_extended", _("direction extended")
    DIRECTION_EXPIRED = "direction_expired", _("direction expired")
    DIRECTION_REVOKED = "direction_revoked", _("direction revoked")
    DIRECTION_CANCELLED = "direction_cancelled", _("direction cancelled")
    APPLICATION_ARCHIVED = "application_archived", _("application archived")
    APPLICATION_WITHDRAWN = "application_withdrawn", _("application withdrawn")
    ENROLLED = "enrolled", _("child enrolled")
    PHONE_CHANGED = "phone_changed", _("phone changed")
    CODE = "code", _("one-time code")


class Message(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    application = models.ForeignKey("queues.Application", null=True, blank=True, on_delete=models.PROTECT, related_name="messages")
    event = models.CharField(_("event"), max_length=32, choices=Event.choices)
    channel = models.CharField(_("channel"), max_length=8)
    recipient = models.CharField(_("recipient"), max_length=254)
    language = models.CharField(_("language"), max_length=2)
    context = models.JSONField(_("context"), default=dict)
    # Delivered once even when the task runs twice: the key is unique.
    idempotency_key = models.CharField(_("idempotency key"), max_length=128, unique=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"))
    # When the worker's retry is due; `messages_resend_stuck` re-dispatches a message whose
    # retry (or first try) is long overdue, i.e. whose task was lost.
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["application", "created_at"], name="message_application_time"),
            models.Index(fields=["status", "created_at"], name="message_status_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()} → {recipient_masked(self.recipient)}"


class OutboxSms(models.Model):
    """An SMS "sent" by `OutboxSmsBackend`: the demo's and the tests' phone. Never used in production."""

    phone = models.CharField(_("phone"), max_length=16)  # digits only, 77011234567
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("outbox SMS")
        verbose_name_plural = _("outbox SMS")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["phone", "created_at"], name="outboxsms_phone_time")]

    def __str__(self) -> str:
        return f"SMS → {phone_masked(self.phone)}"
