"""Parent cabinets (SPEC §10): IIN → SMS code → password; one registered device; lockout; blocks."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.cabinets import phones_normalized
from accounts.identity import identity_backend
from accounts.models import Cabinet, OneTimeCode
from accounts.otp import code_issue, code_verify
from audit.services import audit_record
from core.calendar import local
from core.errors import Refusal
from core.iin import iin_is_valid
from core.phones import phone_masked, phone_normalize
from queues.models import Application
from queues.services import application_phone_change

LOCK_AFTER_FAILURES = 5
LOCK_FOR = dt.timedelta(minutes=15)
BLOCK_DEFAULT = dt.timedelta(days=183)  # "for 6 months" (SPEC §10)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def cabinet_language(cabinet: Cabinet) -> str:
    """The language of the cabinet's SMS: that of the applicant's latest application (SPEC §9)."""
    latest = Application.objects.filter(applicant_iin=cabinet.iin).order_by("-filed_at").values_list("language", flat=True).first()
    return latest or "ru"


def _refuse_if_blocked(cabinet: Cabinet | None, now: dt.datetime) -> None:
    if cabinet is not None and cabinet.is_blocked(now):
        raise Refusal("cabinet_blocked", until=local(cabinet.blocked_until).strftime("%d.%m.%Y"), reason=cabinet.block_reason)


def _cabinet_of(iin: str, now: dt.datetime) -> Cabinet:
    iin = (iin or "").strip()
    if not iin_is_valid(iin, today=local(now).date()):
        raise Refusal("invalid_applicant_iin")
    cabinet = Cabinet.objects.filter(iin=iin).first()
    if cabinet is None:
        raise Refusal("no_cabinet_application")
    _refuse_if_blocked(cabinet, now)
    return cabinet


def _cabinet_phone(cabinet: Cabinet, slot: str) -> str:
    phone = cabinet.phone_in(slot)
    if not phone:
        raise Refusal("no_cabinet_phone")
    return phone


def cabinet_code_send(*, iin: str, purpose: str, now: dt.datetime, slot: str = "1") -> str:
    """A code for the cabinet of this IIN (login, password reset, filing for it): only ever to one
    of the cabinet's own phones, never to a phone typed into an application. Returns the phone."""
    cabinet = _cabinet_of(iin, now)
    phone = _cabinet_phone(cabinet, slot)
    code_issue(phone=phone, purpose=purpose, now=now, language=cabinet_language(cabinet))
    return phone


def cabinet_code_check(*, iin: str, code: str, purpose: str, now: dt.datetime, slot: str = "1") -> Cabinet:
    """The code sent by cabinet_code_send to the phone in that slot. A cabinet exists only since
    its applicant's first filing: a login never creates one."""
    cabinet = _cabinet_of(iin, now)
    code_verify(phone=_cabinet_phone(cabinet, slot), purpose=purpose, code=code, now=now)
    return cabinet


# --- cabinets and filings (every application's applicant has a cabinet) ---------------------------------


def _identity_check(*, iin: str, phone: str) -> None:
    """The identity backend (accounts/identity.py) must say the phone is the applicant's."""
    if not identity_backend().phone_belongs_to(iin=iin, phone=phone_normalize(phone)):
        raise Refusal("identity_mismatch")


def cabinet_open(*, iin: str, phone: str, phone2: str, now: dt.datetime) -> Cabinet:
    """The web wizard opens the cabinet of an IIN that has none, with the two phones confirmed in the
    wizard, once the identity backend says the first phone is the applicant's."""
    _identity_check(iin=iin, phone=phone)
    return _cabinet_create(iin=iin, phone=phone, phone2=phone2, now=now)


def _cabinet_create(*, iin: str, phone: str, phone2: str, now: dt.datetime) -> Cabinet:
    """A new cabinet with these phones (identity already checked). Two wizards racing for the same
    IIN: the unique IIN lets one win; the other is refused, nothing saved."""
    phone = phone_normalize(phone)
    phone2 = phone_normalize(phone2) if phone2 else ""
    if phone == phone2:
        raise Refusal("same_phones")
    try:
        with transaction.atomic():
            cabinet = Cabinet.objects.create(iin=iin, phone=phone, phone2=phone2, created_at=now)
    except IntegrityError as exc:
        raise Refusal("cabinet_exists") from exc
    audit_record(action="cabinet.open", obj=cabinet, now=now, details={"via": "web"})
    return cabinet


def cabinet_filing_check(*, iin: str, phone: str, logged_in: Cabinet | None, confirmed_cabinet_id: int | None) -> Cabinet | None:
    """May the web wizard file for this applicant IIN (read only; asked again at the filing)?

    Logged in to a cabinet, the parent applies as its owner only (`applicant_not_cabinet`). The IIN
    has a cabinet: only its holder may, proven by being logged in to it or by a code sent to its
    phone in the wizard (`confirmed_cabinet_id`), else `cabinet_exists`. It has none: the identity
    backend must say the first phone is the applicant's (`identity_mismatch`); None, one will open."""
    if logged_in is not None and logged_in.iin != iin:
        raise Refusal("applicant_not_cabinet")
    cabinet = Cabinet.objects.filter(iin=iin).first()
    if cabinet is not None:
        if cabinet.pk not in (logged_in.pk if logged_in else None, confirmed_cabinet_id):
            raise Refusal("cabinet_exists")
        return cabinet
    _identity_check(iin=iin, phone=phone)
    return None


def cabinet_for_filing(*, iin: str, phone: str, phone2: str, logged_in: Cabinet | None, confirmed_cabinet_id: int | None, now: dt.datetime) -> Cabinet:
    """The web wizard's filing, inside the filing's transaction: the applicant's proven cabinet, or a
    new one opened with the wizard's two confirmed phones. Refusals as cabinet_filing_check's, and
    cabinet_blocked; `cabinet_exists` too when another wizard opened it meanwhile."""
    cabinet = cabinet_filing_check(iin=iin, phone=phone, logged_in=logged_in, confirmed_cabinet_id=confirmed_cabinet_id)
    if cabinet is not None:
        _refuse_if_blocked(cabinet, now)
        return cabinet
    # The check above asked the identity backend already: one call to the register per filing.
    return _cabinet_create(iin=iin, phone=phone, phone2=phone2, now=now)


def cabinet_phone_change_check(*, cabinet: Cabinet, slot: str, phone: str) -> str:
    """May the number in `slot` become `phone` (asked before any code is sent, and again at the
    change)? Returns the slot's number now, "" when the slot is empty (a first second phone)."""
    phone = phone_normalize(phone)
    before = cabinet.phone_in(slot)
    if phone == before:
        raise Refusal("phone_unchanged")
    if phone == cabinet.phone_in("1" if slot == "2" else "2"):
        raise Refusal("same_phones")
    if slot == "1" and not before:
        raise Refusal("no_cabinet_phone")  # no number to confirm the change with: staff set it
    return before


def cabinet_phone_change(*, cabinet: Cabinet, slot: str, phone: str, old_phone: str, now: dt.datetime) -> Cabinet:
    """SPEC §3, from inside the cabinet: the number in `slot` ("1" or "2") becomes `phone`, in the
    cabinet and in the same slot of every live application of its applicant. The caller has verified
    a code sent to `old_phone`, the slot's number (when it had one), and one sent to the new number.

    Each application changes through application_phone_change: audited, and its family told at the
    number it had. An application whose other slot already holds the new number swaps its two."""
    with transaction.atomic():
        cabinet = Cabinet.objects.select_for_update().get(pk=cabinet.pk)
        before = cabinet_phone_change_check(cabinet=cabinet, slot=slot, phone=phone)
        if before != old_phone:
            raise Refusal("code_missing")  # the codes were for a number the slot no longer holds
        phone = phone_normalize(phone)
        field = "phone2" if slot == "2" else "phone"
        setattr(cabinet, field, phone)
        cabinet.phone_changed_at = now
        cabinet.save(update_fields=[field, "phone_changed_at"])
        masked = phone_masked(before) if before else ""
        audit_record(action="cabinet.phone_change", obj=cabinet, now=now, changes={field: (masked, phone_masked(phone))})
        live = Application.objects.filter(applicant_iin=cabinet.iin, status__in=Application.LIVE_STATUSES).order_by("number")
        for application in live:
            pair = _slot_replaced(application.phone, application.phone2, slot=slot, phone=phone)
            if pair is not None:
                application_phone_change(application=application, phone=pair[0], phone2=pair[1], now=now)
    return cabinet


def _slot_replaced(phone1: str, phone2: str, *, slot: str, phone: str) -> tuple[str, str | None] | None:
    """An application's (phone, phone2) with `slot` set to `phone`, as application_phone_change takes
    them (phone2 None: kept); None when the application cannot or need not change."""
    current = list(phones_normalized(phone1, phone2))
    pair = list(current)
    index, other = (1, 0) if slot == "2" else (0, 1)
    if pair[other] == phone:
        pair[other] = pair[index]  # the new number was its other one: the two swap
    pair[index] = phone
    if not pair[0] or pair == current or (current[1] and not pair[1]):
        return None  # no first phone to keep, nothing new, or a second phone it cannot drop
    return pair[0], pair[1] or None


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


def cabinet_password_set(*, cabinet: Cabinet, password: str, purpose: str, now: dt.datetime) -> Cabinet:
    """A password without the old one, after a verified code: only in the reset flow (`purpose`
    password_reset), or at a login (`login`) when the cabinet has no password yet. Otherwise a
    login code would let anyone holding the phone skip the password and clear a lockout.
    Django's password validators apply."""
    if purpose not in (OneTimeCode.Purpose.LOGIN, OneTimeCode.Purpose.PASSWORD_RESET):
        raise Refusal("password_already_set")
    try:
        validate_password(password)
    except ValidationError as exc:
        raise Refusal("weak_password", reasons=" ".join(exc.messages)) from exc
    with transaction.atomic():
        cabinet = Cabinet.objects.select_for_update().get(pk=cabinet.pk)
        if purpose != OneTimeCode.Purpose.PASSWORD_RESET and cabinet.password:
            raise Refusal("password_already_set")
        cabinet.password = make_password(password)
        cabinet.failed_logins = 0
        cabinet.locked_until = None
        cabinet.last_login_at = now
        cabinet.save(update_fields=["password", "failed_logins", "locked_until", "last_login_at"])
        audit_record(action="cabinet.password_set", obj=cabinet, now=now, details={"via": purpose})
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
