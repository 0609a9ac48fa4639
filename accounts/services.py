"""Parent cabinets (SPEC §10): IIN → SMS code → password; one registered device; lockout; blocks."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Cabinet, OneTimeCode
from accounts.otp import code_issue, code_verify
from audit.services import audit_record
from core.calendar import local
from core.errors import Refusal
from core.iin import iin_is_valid
from queues.models import Application

LOCK_AFTER_FAILURES = 5
LOCK_FOR = dt.timedelta(minutes=15)
BLOCK_DEFAULT = dt.timedelta(days=183)  # "for 6 months" (SPEC §10)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def cabinet_contact(iin: str) -> Application:
    """The application whose phone receives the cabinet's codes: the applicant's latest live one."""
    applications = Application.objects.filter(applicant_iin=iin).exclude(phone="")
    found = applications.filter(status__in=Application.LIVE_STATUSES).order_by("-filed_at").first() or applications.order_by("-filed_at").first()
    if found is None:
        raise Refusal("no_cabinet_application")
    return found


def _refuse_if_blocked(cabinet: Cabinet | None, now: dt.datetime) -> None:
    if cabinet is not None and cabinet.is_blocked(now):
        raise Refusal("cabinet_blocked", until=local(cabinet.blocked_until).strftime("%d.%m.%Y"), reason=cabinet.block_reason)


def cabinet_code_send(*, iin: str, purpose: str, now: dt.datetime) -> str:
    """Step 1 of login or password reset: send a code to the applicant's phone. Returns the phone."""
    iin = (iin or "").strip()
    if not iin_is_valid(iin, today=local(now).date()):
        raise Refusal("invalid_applicant_iin")
    _refuse_if_blocked(Cabinet.objects.filter(iin=iin).first(), now)
    contact = cabinet_contact(iin)
    code_issue(phone=contact.phone, purpose=purpose, now=now, language=contact.language)
    return contact.phone


def cabinet_code_check(*, iin: str, code: str, purpose: str, now: dt.datetime) -> Cabinet:
    """Step 2: the code sent to the applicant's phone; the cabinet exists from here on."""
    contact = cabinet_contact(iin)
    code_verify(phone=contact.phone, purpose=purpose, code=code, now=now)
    cabinet, _ = Cabinet.objects.get_or_create(iin=iin, defaults={"created_at": now})
    _refuse_if_blocked(cabinet, now)
    return cabinet


def cabinet_password_check(*, cabinet: Cabinet, password: str, now: dt.datetime) -> Cabinet:
    """Step 3. Five wrong passwords lock the cabinet for 15 minutes; the count survives refusals."""
    error: Refusal | None = None
    with transaction.atomic():
        cabinet = Cabinet.objects.select_for_update().get(pk=cabinet.pk)
        _refuse_if_blocked(cabinet, now)
        if cabinet.locked_until and cabinet.locked_until > now:
            raise Refusal("cabinet_locked", until=local(cabinet.locked_until).strftime("%H:%M"))
        if not cabinet.password:
            raise Refusal("password_not_set")
        if check_password(password, cabinet.password):
            cabinet.failed_logins = 0
            cabinet.locked_until = None
            cabinet.last_login_at = now
            audit_record(action="cabinet.login", obj=cabinet, now=now)
        else:
            cabinet.failed_logins += 1
            error = Refusal("wrong_password")
            if cabinet.failed_logins >= LOCK_AFTER_FAILURES:
                cabinet.failed_logins = 0
                cabinet.locked_until = now + LOCK_FOR
                error = Refusal("cabinet_locked", until=local(cabinet.locked_until).strftime("%H:%M"))
            audit_record(action="cabinet.login_failed", obj=cabinet, now=now, details={"locked": cabinet.locked_until is not None})
        cabinet.save(update_fields=["failed_logins", "locked_until", "last_login_at"])
    if error:
        raise error
    return cabinet


def cabinet_password_set(*, cabinet: Cabinet, password: str, now: dt.datetime) -> Cabinet:
    """First login or reset (after a verified code): Django's password validators apply."""
    try:
        validate_password(password)
    except ValidationError as exc:
        raise Refusal("weak_password", reasons=" ".join(exc.messages)) from exc
    with transaction.atomic():
        cabinet = Cabinet.objects.select_for_update().get(pk=cabinet.pk)
        cabinet.password = make_password(password)
        cabinet.failed_logins = 0
        cabinet.locked_until = None
        cabinet.last_login_at = now
        cabinet.save(update_fields=["password", "failed_logins", "locked_until", "last_login_at"])
        audit_record(action="cabinet.password_set", obj=cabinet, now=now)
    return cabinet


def cabinet_device_register(*, cabinet: Cabinet, device_token: str, label: str, now: dt.datetime) -> bool:
    """One registered device per cabinet: a login from another device replaces it, which ends the old
    device's sessions (they carry the old hash). Returns True when the device is new."""
    digest = token_hash(device_token)
    with transaction.atomic():
        cabinet = Cabinet.objects.select_for_update().get(pk=cabinet.pk)
        is_new = cabinet.device_token_hash != digest
        if is_new:
            cabinet.device_token_hash = digest
            cabinet.device_label = label[:200]
            cabinet.device_registered_at = now
            audit_record(action="cabinet.device_register", obj=cabinet, now=now, details={"device": label[:200]})
        cabinet.device_last_used_at = now
        cabinet.save(update_fields=["device_token_hash", "device_label", "device_registered_at", "device_last_used_at"])
    return is_new


def cabinet_block(*, cabinet: Cabinet, reason: str, now: dt.datetime, until: dt.datetime | None = None) -> Cabinet:
    """Staff block a cabinet (e.g. shared access, SPEC §10): 6 months unless a date is given."""
    with transaction.atomic():
        cabinet = Cabinet.objects.select_for_update().get(pk=cabinet.pk)
        before = cabinet.blocked_until
        cabinet.blocked_until = until or now + BLOCK_DEFAULT
        cabinet.block_reason = reason
        # Blocking also forgets the device: every session of the cabinet ends.
        cabinet.device_token_hash = ""
        cabinet.save(update_fields=["blocked_until", "block_reason", "device_token_hash"])
        audit_record(action="cabinet.block", obj=cabinet, now=now, changes={"blocked_until": (before, cabinet.blocked_until)}, details={"reason": reason})
    return cabinet


def cabinet_unblock(*, cabinet: Cabinet, now: dt.datetime) -> Cabinet:
    with transaction.atomic():
        cabinet = Cabinet.objects.select_for_update().get(pk=cabinet.pk)
        before = cabinet.blocked_until
        cabinet.blocked_until = None
        cabinet.save(update_fields=["blocked_until"])
        audit_record(action="cabinet.unblock", obj=cabinet, now=now, changes={"blocked_until": (before, None)})
    return cabinet


def cabinet_applications(cabinet: Cabinet):
    """A parent sees and acts only on applications where they are the applicant (SPEC §10)."""
    return Application.objects.filter(applicant_iin=cabinet.iin).select_related("locality").order_by("-filed_at")


PURPOSES = OneTimeCode.Purpose
