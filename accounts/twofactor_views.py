"""The second factor's pages (accounts/twofactor.py has the rules): enrol an authenticator app by
QR code, verify with a code from it or a recovery code, make new recovery codes."""

from __future__ import annotations

from urllib.parse import urlencode

import django_otp
from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts import twofactor
from core.errors import Refusal
from core.net import safe_next
from core.ratelimit import Limit, rate_limited_per
from placements.verification import qr_svg

# Per account, whatever the address: wrong codes are throttled on the device too (1, 2, 4 … s).
CODE_CHECK_LIMIT, CODE_CHECK_WINDOW = 20, 600

OTP_ATTRS = {"autocomplete": "one-time-code", "inputmode": "numeric", "autocapitalize": "off", "spellcheck": "false"}


class AppCodeForm(forms.Form):
    code = forms.CharField(
        label=_("The 6-digit code from the app"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(attrs={**OTP_ATTRS, "pattern": "[0-9]{6}"}),
    )


class VerifyCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the app, or a recovery code"),
        max_length=20,
        help_text=_("6 digits from the authenticator app; or one of your 8-character recovery codes if the phone is lost."),
        widget=forms.TextInput(attrs=OTP_ATTRS),
    )


def _code_limits(request: HttpRequest, *args, **kwargs) -> list[Limit]:
    user = request.user
    return [Limit(f"staff-2fa:user:{user.pk}", CODE_CHECK_LIMIT, CODE_CHECK_WINDOW)] if user.is_authenticated else []


def _next(request: HttpRequest) -> str:
    return safe_next(request, request.POST.get("next") or request.GET.get("next"), twofactor.default_next(request.user))


def _to_login(request: HttpRequest) -> HttpResponse:
    going = request.GET.get("next") or ""
    login = reverse("operator:login") if going.startswith(reverse("operator:dashboard")) else reverse("admin:login")
    return redirect(f"{login}?{urlencode({'next': request.get_full_path()})}")


def _with_next(name: str, request: HttpRequest) -> HttpResponse:
    return redirect(f"{reverse(name)}?{urlencode({'next': _next(request)})}")


def _context(request: HttpRequest, **extra) -> dict:
    user = request.user
    logout = reverse("admin:logout") if user.is_staff else reverse("operator:logout")
    return {"next": _next(request), "logout_url": logout, **extra}


@never_cache
@require_GET
def second_factor(request: HttpRequest) -> HttpResponse:
    """Where the middleware sends: verify when the account has an app, else enrol."""
    user = request.user
    if not user.is_authenticated:
        return _to_login(request)
    if user.is_verified() or not twofactor.second_factor_required(user):
        return redirect(_next(request))
    return _with_next("accounts:staff_2fa_verify" if twofactor.confirmed_totp(user) else "accounts:staff_2fa_enrol", request)


@never_cache
@require_http_methods(["GET", "POST"])
@rate_limited_per("staff-2fa", limits=_code_limits)
def enrol(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return _to_login(request)
    if not twofactor.second_factor_required(user):
        return redirect(_next(request))
    try:
        device = twofactor.enrolment_device(user=user)
    except Refusal:  # an app is set up already: prove it rather than replace it
        return _with_next("accounts:staff_2fa_verify", request)
    form = AppCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            enrolled = twofactor.second_factor_enrol(user=user, device_id=device.pk, code=form.cleaned_data["code"], now=timezone.now())
        except Refusal as refusal:
            form.add_error("code", refusal.message)
        else:
            django_otp.login(request, enrolled.device)
            # Shown in this answer only: the codes are in no session, cache or log.
            return render(request, "accounts/twofactor/recovery_codes.html", _context(request, codes=enrolled.recovery_codes, enrolled=True))
    return render(
        request,
        "accounts/twofactor/enrol.html",
        _context(request, form=form, qr_svg=mark_safe(qr_svg(device.config_url)), secret=twofactor.secret_groups(device), username=user.get_username()),
    )


@never_cache
@require_http_methods(["GET", "POST"])
@rate_limited_per("staff-2fa", limits=_code_limits)
def verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return _to_login(request)
    if user.is_verified() or not twofactor.second_factor_required(user):
        return redirect(_next(request))
    if twofactor.confirmed_totp(user) is None:
        return _with_next("accounts:staff_2fa_enrol", request)
    form = VerifyCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = twofactor.second_factor_verify(user=user, code=form.cleaned_data["code"], now=timezone.now())
        except Refusal as refusal:
            form.add_error("code", refusal.message)
        else:
            django_otp.login(request, device)
            return redirect(_next(request))
    return render(request, "accounts/twofactor/verify.html", _context(request, form=form))


@never_cache
@require_http_methods(["GET", "POST"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """How many recovery codes are left; new ones (the old stop working), after the second factor."""
    user = request.user
    if not user.is_authenticated:
        return _to_login(request)
    if not twofactor.second_factor_required(user) or twofactor.confirmed_totp(user) is None:
        return redirect(_next(request))
    if not user.is_verified():
        return _with_next("accounts:staff_2fa_verify", request)
    if request.method == "POST":
        codes = twofactor.recovery_codes_issue(user=user, now=timezone.now())
        return render(request, "accounts/twofactor/recovery_codes.html", _context(request, codes=codes, enrolled=False))
    return render(request, "accounts/twofactor/recovery.html", _context(request, left=twofactor.recovery_codes_left(user)))
