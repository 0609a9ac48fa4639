"""The second factor of staff and operators (issue 10): a TOTP app, or a one-time recovery code.

With settings.STAFF_2FA (on in production), an account that can reach the admin (`is_staff`) or the
operator cabinet (bound to a kindergarten) must pass it once per session before any page under
/admin/, /operator/ or /staff/ (`StaffSecondFactorMiddleware`); its login and logout pages stay
open. Families are not Django users (their cabinets are accounts.Cabinet): they are never asked.

django-otp keeps the devices: `TOTPDevice` (the app's secret) and `StaticDevice` (the recovery
codes, each deleted when used). Both throttle wrong codes exponentially (1, 2, 4, 8 … s). Neither
a secret nor a code is ever written to the audit trail or a log.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.services import audit_record
from core.errors import Refusal

RECOVERY_CODES = 10
# Every FAILURE_BURST-th wrong code in a row on a device is audited (with when it frees again).
FAILURE_BURST = 3
TOTP_NAME = "INDIGO"
RECOVERY_NAME = "recovery"
_TOTP_SHAPE = re.compile(r"^\d{6}$")


# --- who and where --------------------------------------------------------------------------------


def second_factor_required(user: AbstractBaseUser) -> bool:
    """Staff, and operators bound to a kindergarten; never an anonymous visitor or a family."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_staff:
        return True
    from placements.models import Kindergarten

    return Kindergarten.objects.filter(operators=user).exists()


@functools.cache
def _paths() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(guarded prefixes, open paths), from the URL configuration (read once)."""
    guarded = (reverse("admin:index"), reverse("operator:dashboard"), "/staff/")
    open_paths = (
        reverse("admin:login"),
        reverse("admin:logout"),
        reverse("admin:jsi18n"),
        reverse("operator:login"),
        reverse("operator:logout"),
        reverse("accounts:staff_2fa"),  # the second factor's own pages (a prefix)
    )
    return guarded, open_paths


def is_guarded_path(path: str) -> bool:
    guarded, open_paths = _paths()
    return path.startswith(guarded) and not path.startswith(open_paths)


def default_next(user: AbstractBaseUser) -> str:
    return reverse("admin:index") if user.is_staff else reverse("operator:dashboard")


class StaffSecondFactorMiddleware:
    """Sends staff and operators who have not passed the second factor in this session to it,
    keeping where they were going (`next`). After AuthenticationMiddleware and OTPMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.STAFF_2FA and is_guarded_path(request.path_info):
            user = getattr(request, "user", None)
            # A verified session costs no query: is_verified() reads the device django-otp has loaded.
            if user is not None and not user.is_verified() and second_factor_required(user):
                going = request.get_full_path() if request.method == "GET" else request.path
                url = f"{reverse('accounts:staff_2fa')}?{urlencode({'next': going})}"
                if getattr(request, "htmx", False):
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = url  # a fragment request: the whole page goes there
                    return response
                return redirect(url)
        return self.get_response(request)


# --- devices -------------------------------------------------------------------------------------


def confirmed_totp(user: AbstractBaseUser) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def enrolment_device(*, user: AbstractBaseUser) -> TOTPDevice:
    """The unconfirmed device being enrolled (the same secret on every reload until confirmed)."""
    if confirmed_totp(user) is not None:
        raise Refusal("second_factor_enrolled")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def secret_groups(device: TOTPDevice) -> str:
    """The base32 secret, in groups of four, for typing into an app by hand."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def recovery_codes_left(user: AbstractBaseUser) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def _recovery_codes_replace(user: AbstractBaseUser) -> list[str]:
    """New recovery codes in place of any old ones. Inside the caller's transaction."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def _normalized(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def _throttled(device: Device) -> Refusal | None:
    allowed, data = device.verify_is_allowed()
    if allowed:
        return None
    at = (data or {}).get("locked_until") or timezone.now()
    return Refusal("second_factor_throttled", at=timezone.localtime(at).strftime("%H:%M:%S"))


def _failed(*, device: Device, method: str, now: dt.datetime) -> None:
    """A wrong code was counted on the device: audit every FAILURE_BURST-th in a row."""
    device.refresh_from_db(fields=["throttling_failure_count", "throttling_failure_timestamp"])
    failures = device.throttling_failure_count
    if failures and failures % FAILURE_BURST == 0:
        _allowed, data = device.verify_is_allowed()
        locked_until = (data or {}).get("locked_until")
        audit_record(action="staff_2fa.failures", obj=device.user, now=now, details={"method": method, "failures": failures, "locked_until": locked_until})


@dataclass(frozen=True)
class Enrolled:
    device: TOTPDevice
    recovery_codes: list[str]


def second_factor_enrol(*, user: AbstractBaseUser, device_id: int, code: str, now: dt.datetime) -> Enrolled:
    """Confirm the app with its first code; the user gets RECOVERY_CODES recovery codes (shown once).
    Refusals: second_factor_enrolled (a device is confirmed already), second_factor_throttled,
    second_factor_wrong. A wrong code counts on the device's throttle (committed, then refused)."""
    error: Refusal | None = None
    with transaction.atomic():
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise Refusal("second_factor_enrolled")
        device = TOTPDevice.objects.select_for_update().filter(user=user, pk=device_id, confirmed=False).first()
        if device is None:
            raise Refusal("second_factor_enrolled")
        error = _throttled(device)
        if error is None and not device.verify_token(_normalized(code)):
            error = Refusal("second_factor_wrong")  # verify_token saved the failure on the device
        if error is None:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            codes = _recovery_codes_replace(user)
            audit_record(action="staff_2fa.enrol", obj=user, now=now, details={"recovery_codes": len(codes)})
    if error is not None:
        if error.code == "second_factor_wrong":
            _failed(device=device, method="enrol", now=now)
        raise error
    return Enrolled(device=device, recovery_codes=codes)


def second_factor_verify(*, user: AbstractBaseUser, code: str, now: dt.datetime) -> Device:
    """A code from the app (6 digits) or a recovery code (used up by this). Returns the device that
    took it, for `django_otp.login`. Refusals: second_factor_missing, second_factor_throttled,
    second_factor_wrong; wrong codes count on that device's throttle."""
    code = _normalized(code)
    method = "totp" if _TOTP_SHAPE.match(code) else "recovery"
    model = TOTPDevice if method == "totp" else StaticDevice
    error: Refusal | None = None
    with transaction.atomic():
        if confirmed_totp(user) is None:
            raise Refusal("second_factor_missing")
        device = model.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is None:  # recovery codes were never issued, or all were deleted
            raise Refusal("second_factor_wrong")
        error = _throttled(device)
        if error is None and not device.verify_token(code):
            error = Refusal("second_factor_wrong")
    if error is not None:
        if error.code == "second_factor_wrong":
            _failed(device=device, method=method, now=now)
        raise error
    if method == "recovery":
        audit_record(action="staff_2fa.recovery_used", obj=user, now=now, details={"left": recovery_codes_left(user)})
    else:
        audit_record(action="staff_2fa.verify", obj=user, now=now)
    return device


def recovery_codes_issue(*, user: AbstractBaseUser, now: dt.datetime) -> list[str]:
    """New recovery codes (the old ones stop working), for a user who passed the second factor."""
    with transaction.atomic():
        if confirmed_totp(user) is None:
            raise Refusal("second_factor_missing")
        codes = _recovery_codes_replace(user)
        audit_record(action="staff_2fa.recovery_regenerate", obj=user, now=now, details={"recovery_codes": len(codes)})
    return codes


def second_factor_reset(*, user: AbstractBaseUser, by: AbstractBaseUser, now: dt.datetime) -> int:
    """A lost phone: a superuser deletes the user's app and recovery codes; the user enrols anew at
    the next login, and sessions verified with the old app are verified no more. Returns how many
    devices went."""
    if not (by.is_active and by.is_superuser):
        raise PermissionDenied
    with transaction.atomic():
        devices = 0
        for model in (TOTPDevice, StaticDevice):
            _, deleted = model.objects.filter(user=user).delete()
            devices += deleted.get(model._meta.label, 0)  # the devices, not their cascaded recovery tokens
        audit_record(action="staff_2fa.reset", obj=user, now=now, details={"devices": devices})
    return devices
