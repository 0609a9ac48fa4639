"""One-time codes (SPEC §9): issue and verify. Limits live in the database, so they hold across
processes; verification attempts are committed even when the code is wrong."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction

from accounts.models import OneTimeCode, PhoneThrottle
from core.errors import Refusal
from notifications.phones import phone_normalize

CODE_DIGITS = 6
CODE_TTL = dt.timedelta(minutes=5)
MAX_TRIES = 3
RESEND_AFTER = dt.timedelta(seconds=60)
HOURLY_LIMIT = 5


def _hash(code: str, salt: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{salt}:{code}".encode(), hashlib.sha256).hexdigest()


def code_issue(*, phone: str, purpose: str, now: dt.datetime, language: str = "ru") -> OneTimeCode:
    """Send a new code to the phone; refusals: code_too_soon (60 s), code_limit (5 an hour),
    code_not_sent (the broker did not take the SMS: nothing was sent, and nothing counts).

    Call it outside any transaction: the code commits before its SMS is handed to the broker, so
    a worker that takes the task at once finds it, and a broker that is down is known here."""
    from notifications.services import sms_send_code

    phone = phone_normalize(phone)
    with transaction.atomic(durable=True):
        PhoneThrottle.objects.get_or_create(phone=phone)
        PhoneThrottle.objects.select_for_update().get(phone=phone)
        recent = OneTimeCode.objects.filter(phone=phone, created_at__gt=now - dt.timedelta(hours=1))
        last = recent.order_by("-created_at").first()
        if last is not None and now - last.created_at < RESEND_AFTER:
            raise Refusal("code_too_soon")
        if recent.count() >= HOURLY_LIMIT:
            raise Refusal("code_limit")
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        salt = secrets.token_hex(16)
        otp = OneTimeCode.objects.create(phone=phone, purpose=purpose, salt=salt, code_hash=_hash(code, salt), created_at=now, expires_at=now + CODE_TTL)
    try:
        sms_send_code(phone=phone, code=code, language=language, now=now, purpose=purpose)
    except Refusal:
        # Not sent: the code is no one's latest and counts toward neither the 60 s nor the hourly limit.
        OneTimeCode.objects.filter(pk=otp.pk).delete()
        raise
    return otp


def code_verify(*, phone: str, purpose: str, code: str, now: dt.datetime) -> None:
    """Accept the latest unused code for (phone, purpose) once. Call it outside other transactions:
    a wrong try must be counted even though the caller's action then fails."""
    phone = phone_normalize(phone)
    error = None
    with transaction.atomic():
        otp = OneTimeCode.objects.select_for_update().filter(phone=phone, purpose=purpose, used_at__isnull=True).order_by("-created_at").first()
        if otp is None:
            error = "code_missing"
        elif otp.expires_at <= now:
            error = "code_expired"
        elif otp.attempts >= MAX_TRIES:
            error = "code_exhausted"
        else:
            otp.attempts += 1
            if hmac.compare_digest(otp.code_hash, _hash((code or "").strip(), otp.salt)):
                otp.used_at = now
            else:
                error = "code_wrong" if otp.attempts < MAX_TRIES else "code_exhausted"
            otp.save(update_fields=["attempts", "used_at"])
    if error:
        raise Refusal(error)
