"""One-time codes (SPEC §9): issue and verify. Limits live in the database, so they hold across
processes; verification attempts are committed even when the code is wrong."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import OneTimeCode, PhoneThrottle
from core.errors import Refusal
from core.phones import phone_normalize

CODE_DIGITS = 6
CODE_TTL = dt.timedelta(minutes=5)
MAX_TRIES = 3
RESEND_AFTER = dt.timedelta(seconds=60)
HOURLY_LIMIT = 5
HOUR = dt.timedelta(hours=1)


def _hash(code: str, salt: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{salt}:{code}".encode(), hashlib.sha256).hexdigest()


def _recent_codes(phone: str, now: dt.datetime) -> list[dt.datetime]:
    """When the codes of the last hour were created, newest first (at most what the limits need)."""
    recent = OneTimeCode.objects.filter(phone=phone, created_at__gt=now - HOUR).order_by("-created_at")
    return list(recent.values_list("created_at", flat=True)[:HOURLY_LIMIT])


def _next_allowed(created: list[dt.datetime]) -> tuple[str, dt.datetime] | None:
    """Which limit holds and when it frees: 60 s after the last code; an hour after the fifth newest."""
    allowed = []
    if created:
        allowed.append(("code_too_soon", created[0] + RESEND_AFTER))
    if len(created) >= HOURLY_LIMIT:
        allowed.append(("code_limit", created[HOURLY_LIMIT - 1] + HOUR))
    return max(allowed, key=lambda item: item[1]) if allowed else None


def code_next_allowed(*, phone: str, now: dt.datetime) -> dt.datetime | None:
    """When a new code may be sent to the phone (SPEC §9 limits), or None if it may be sent now."""
    limit = _next_allowed(_recent_codes(phone_normalize(phone), now))
    return limit[1] if limit is not None and limit[1] > now else None


def _send_refusal(*, phone: str, now: dt.datetime) -> Refusal | None:
    """code_too_soon or code_limit, saying when a new code can be sent (local time and seconds)."""
    limit = _next_allowed(_recent_codes(phone, now))
    if limit is None or limit[1] <= now:
        return None
    code, at = limit
    seconds = max(1, math.ceil((at - now).total_seconds()))
    refusal = Refusal(code, at=timezone.localtime(at).strftime("%H:%M:%S"), seconds=seconds, minutes=math.ceil(seconds / 60))
    refusal.next_allowed = at
    return refusal


def code_issue(*, phone: str, purpose: str, now: dt.datetime, language: str = "ru", about: dict | None = None) -> OneTimeCode:
    """Send a new code to the phone; refusals: code_too_soon (60 s), code_limit (5 an hour), both
    saying when the next code can be sent (`refusal.next_allowed`), code_not_sent (the broker did not take the SMS: nothing was sent, and nothing counts).
    The SMS says what the code is for, in `language` (the purpose; `about` names a claim's kindergarten).

    Call it outside any transaction: the code commits before its SMS is handed to the broker, so
    a worker that takes the task at once finds it, and a broker that is down is known here."""
    from notifications.services import sms_send_code

    phone = phone_normalize(phone)
    with transaction.atomic(durable=True):
        # One statement: retention may delete an idle phone's row between a get_or_create and a get.
        PhoneThrottle.objects.select_for_update().get_or_create(phone=phone)
        refusal = _send_refusal(phone=phone, now=now)
        if refusal is not None:
            raise refusal
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        salt = secrets.token_hex(16)
        otp = OneTimeCode.objects.create(phone=phone, purpose=purpose, salt=salt, code_hash=_hash(code, salt), created_at=now, expires_at=now + CODE_TTL)
    try:
        sms_send_code(phone=phone, code=code, language=language, now=now, purpose=purpose, about=about)
    except Refusal:
        # Not sent: the code is no one's latest and counts toward neither the 60 s nor the hourly limit.
        OneTimeCode.objects.filter(pk=otp.pk).delete()
        raise
    return otp


def code_verify(*, phone: str, purpose: str, code: str, now: dt.datetime, consume: bool = True) -> int:
    """Check the latest unused code for (phone, purpose); returns its id. Call it outside other
    transactions: a wrong try must be counted even though the caller's action then fails.

    SPEC §9: a code is used up by the action it confirms when that action succeeds, and the right
    code costs no try. With `consume=False` the code stays valid: the caller runs the action and
    `code_consume` in one transaction, so a refused action leaves the code for the next attempt."""
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
        elif hmac.compare_digest(otp.code_hash, _hash((code or "").strip(), otp.salt)):
            if consume:
                otp.used_at = now
                otp.save(update_fields=["used_at"])
        else:
            otp.attempts += 1
            error = "code_wrong" if otp.attempts < MAX_TRIES else "code_exhausted"
            otp.save(update_fields=["attempts"])
    if error:
        raise Refusal(error)
    return otp.pk


def code_consume(*, otp_id: int, now: dt.datetime) -> None:
    """Use up a verified code, inside the transaction of the action it confirms (SPEC §9). A
    conditional UPDATE: when another request used it meanwhile, refuse with code_missing (and the
    caller's transaction, action included, rolls back)."""
    if OneTimeCode.objects.filter(pk=otp_id, used_at__isnull=True).update(used_at=now) != 1:
        raise Refusal("code_missing")
