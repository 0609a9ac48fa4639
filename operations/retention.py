"""Retention (issue 10): each day, delete or mask what is no longer needed, each period a setting.

Expired sessions; used or expired one-time codes (never those of the last hour: the SPEC §9 limits
count them) and the phone locks left without codes; the outbox's SMS; the recipients of messages
that are done (masked: the delivery log keeps the row and its status, the number goes); django-axes
lockout records; abandoned wizard documents and used form tokens (their own sweeps). The audit
trail is kept: nothing here touches it, and each run adds one record with the counts.

Deletes and updates go by primary-key batches, each its own short statement: no per-row loop, no
long lock on a table the portal writes to. Every step is idempotent: a second run finds nothing.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Concat, Left, Right, StrIndex, Substr

from accounts.models import OneTimeCode, PhoneThrottle
from accounts.otp import HOUR
from audit.services import audit_record
from core.once import form_tokens_sweep
from notifications.models import Message, OutboxSms

BATCH = 5000


def _delete_batched(queryset: QuerySet, *, batch: int = BATCH) -> int:
    """Delete the rows of `queryset` a batch at a time; returns how many of its model went."""
    model = queryset.model
    total = 0
    while pks := list(queryset.order_by().values_list("pk", flat=True)[:batch]):
        _, per_model = queryset.filter(pk__in=pks).delete()
        deleted = per_model.get(model._meta.label, 0)
        total += deleted
        if deleted == 0:  # someone else deleted them meanwhile, or a filter that never empties
            break
    return total


def _masked_recipient() -> Case:
    """In SQL, what core.phones.recipient_masked shows: `a***@example.kz`, `7701*****67`."""
    at = StrIndex("recipient", Value("@"))
    return Case(
        When(recipient__contains="@", then=Concat(Left("recipient", 1), Value("***@"), Substr("recipient", at + 1))),
        When(recipient__regex=r"^.{7,}$", then=Concat(Left("recipient", 4), Value("*****"), Right("recipient", 2))),
        default=Value("***"),
    )


def sessions_delete_expired(*, now: dt.datetime) -> int:
    """Sessions whose expiry passed (database sessions only; cookie or cache sessions expire by themselves)."""
    if settings.SESSION_ENGINE not in ("django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db"):
        return 0
    from django.contrib.sessions.models import Session

    return _delete_batched(Session.objects.filter(expire_date__lt=now))


def codes_delete_old(*, now: dt.datetime) -> tuple[int, int]:
    """Used or expired codes older than RETENTION_CODES_DAYS, never those of the last hour (SPEC §9:
    60 s after the last code, 5 an hour); then the phone locks of phones left without codes
    (code_issue creates one again when needed). Returns (codes, phone locks)."""
    cutoff = now - max(dt.timedelta(days=settings.RETENTION_CODES_DAYS), HOUR)
    done = OneTimeCode.objects.filter(Q(used_at__isnull=False) | Q(expires_at__lte=now), created_at__lt=cutoff)
    codes = _delete_batched(done)
    orphans = PhoneThrottle.objects.filter(~Exists(OneTimeCode.objects.filter(phone=OuterRef("phone"))))
    return codes, _delete_batched(orphans)


def outbox_delete_old(*, now: dt.datetime) -> int:
    """SMS the outbox backend stored (the demo's phone), older than RETENTION_OUTBOX_DAYS."""
    return _delete_batched(OutboxSms.objects.filter(created_at__lt=now - dt.timedelta(days=settings.RETENTION_OUTBOX_DAYS)))


def recipients_mask_old(*, now: dt.datetime, batch: int = BATCH) -> int:
    """Mask the phone or e-mail of messages older than RETENTION_RECIPIENT_DAYS that are sent or
    failed (a queued one is still to be tried). The row, its status and its error stay."""
    cutoff = now - dt.timedelta(days=settings.RETENTION_RECIPIENT_DAYS)
    pending = (
        Message.objects.filter(created_at__lt=cutoff)
        .exclude(status=Message.Status.QUEUED)
        .exclude(recipient="")
        .exclude(recipient__contains="*")  # masked already
    )
    total = 0
    while pks := list(pending.order_by().values_list("pk", flat=True)[:batch]):
        updated = pending.filter(pk__in=pks).update(recipient=_masked_recipient())
        total += updated
        if updated == 0:
            break
    return total


def lockouts_delete_old(*, now: dt.datetime) -> tuple[int, int]:
    """django-axes records older than RETENTION_LOCKOUT_DAYS (never younger than the cool-off, so no
    lockout ends early). Returns (attempts, log rows: successful logins and failures)."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    period = dt.timedelta(days=settings.RETENTION_LOCKOUT_DAYS)
    cooloff = getattr(settings, "AXES_COOLOFF_TIME", None)
    if isinstance(cooloff, dt.timedelta):
        period = max(period, cooloff)
    cutoff = now - period
    attempts = _delete_batched(AccessAttempt.objects.filter(attempt_time__lt=cutoff))
    logs = _delete_batched(AccessLog.objects.filter(attempt_time__lt=cutoff))
    logs += _delete_batched(AccessFailureLog.objects.filter(attempt_time__lt=cutoff))
    return attempts, logs


def kiosk_pairings_delete_old(*, now: dt.datetime) -> int:
    """Kiosk pairings (issue 11) a day past their end: never confirmed, or completed. A confirmed
    pairing the screen has not yet collected stays (the screen still holds its secret)."""
    from accounts.models import KioskPairing

    cutoff = now - dt.timedelta(days=1)
    return _delete_batched(KioskPairing.objects.filter(Q(confirmed_at__isnull=True, expires_at__lt=cutoff) | Q(completed_at__lt=cutoff)))


def retention_run(*, now: dt.datetime) -> dict[str, int]:
    """Run every retention step; one audit record "retention.run" with the counts. Idempotent."""
    from queues.documents import pending_documents_sweep

    codes, phone_locks = codes_delete_old(now=now)
    lockout_attempts, lockout_logs = lockouts_delete_old(now=now)
    counts = {
        "sessions": sessions_delete_expired(now=now),
        "codes": codes,
        "phone_locks": phone_locks,
        "outbox_sms": outbox_delete_old(now=now),
        "recipients_masked": recipients_mask_old(now=now),
        "lockout_attempts": lockout_attempts,
        "lockout_logs": lockout_logs,
        # Files on disk, by their modification time (a day), not by `now`: they live outside the database.
        "pending_documents": pending_documents_sweep(),
        "form_tokens": form_tokens_sweep(now=now),
        "kiosk_pairings": kiosk_pairings_delete_old(now=now),
    }
    audit_record(action="retention.run", now=now, details=counts)
    return counts
