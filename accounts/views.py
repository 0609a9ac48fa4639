"""Parent cabinet login, password reset, device (SPEC §10), and the kiosk's start and finish."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import services
from accounts.forms import CodeForm, IinForm, NewPasswordForm, PasswordForm, ResendCodeForm, phone_choices
from accounts.kiosks import KIOSK_IDLE_SECONDS
from accounts.middleware import SESSION_CABINET, SESSION_DEVICE
from accounts.models import Cabinet
from audit.context import acting_as, actor_with
from core.errors import Refusal
from core.phones import phone_hidden
from core.ratelimit import Limit, hashed, rate_limited_per

DEVICE_COOKIE = "indigo_device"
FLOW = "cabinet_flow"  # {"iin", "purpose": "login" | "password_reset", "verified": bool, "slot": "1" | "2", "phone"}


def _flow(request: HttpRequest) -> dict | None:
    return request.session.get(FLOW)


def _refusal(form, refusal: Refusal, field: str | None = None) -> None:
    form.add_error(field, refusal.message)


# Login codes per family (the IIN typed, hashed: never in a cache key in clear); the cabinet's phone
# has SPEC §9's own limits (accounts/otp.py) and the address core.ratelimit's generous ceiling only.
LOGIN_CODE_LIMIT, LOGIN_CODE_CHECK_LIMIT, LOGIN_WINDOW = 10, 30, 600


def _login_code_limits(request: HttpRequest, *args, **kwargs) -> list[Limit]:
    iin = (request.POST.get("iin") or "").strip()
    return [Limit(f"cabinet-code:iin:{hashed(iin)}", LOGIN_CODE_LIMIT, LOGIN_WINDOW)]


def _login_check_limits(request: HttpRequest, *args, **kwargs) -> list[Limit]:
    flow = _flow(request)
    if not flow:
        return []  # nothing to check: the view sends them back to the login (the address's ceiling still counts)
    return [Limit(f"cabinet-code-check:iin:{hashed(flow['iin'])}", LOGIN_CODE_CHECK_LIMIT, LOGIN_WINDOW)]


@require_http_methods(["GET", "POST"])
@rate_limited_per("cabinet-code", limits=_login_code_limits)
def login_start(request: HttpRequest, purpose: str = "login") -> HttpResponse:
    """Step 1: the applicant's IIN; a code goes to the cabinet's first phone."""
    form = IinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            phone = services.cabinet_code_send(iin=form.cleaned_data["iin"], purpose=purpose, now=timezone.now())
        except Refusal as refusal:
            _refusal(form, refusal, "iin" if refusal.code in ("invalid_applicant_iin", "no_cabinet_application") else None)
        else:
            request.session[FLOW] = {"iin": form.cleaned_data["iin"], "purpose": purpose, "verified": False, "slot": "1", "phone": phone_hidden(phone)}
            return redirect("accounts:code")
    title = _("Log in to the personal cabinet") if purpose == "login" else _("Reset the password")
    return render(request, "accounts/iin.html", {"form": form, "title": title, "purpose": purpose})


@require_http_methods(["GET", "POST"])
def password_reset_start(request: HttpRequest) -> HttpResponse:
    return login_start(request, purpose="password_reset")


def _resend_form(flow: dict, data=None) -> ResendCodeForm:
    """Which of the cabinet's phones gets a new code (only ever the cabinet's own)."""
    cabinet = Cabinet.objects.filter(iin=flow["iin"]).first()
    phones = phone_choices(cabinet) if cabinet else []
    return ResendCodeForm(data, phones=phones, initial={"to": flow.get("slot", "1")})


@require_http_methods(["GET", "POST"])
@rate_limited_per("cabinet-code-check", limits=_login_check_limits)
def login_code(request: HttpRequest) -> HttpResponse:
    """Step 2: the SMS code; or a new one, to the same or the cabinet's other phone."""
    flow = _flow(request)
    if not flow:
        return redirect("accounts:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and "resend" in request.POST:
        resend = _resend_form(flow, request.POST)
        slot = resend.cleaned_data["to"] if resend.is_valid() else flow.get("slot", "1")
        try:
            phone = services.cabinet_code_send(iin=flow["iin"], purpose=flow["purpose"], now=timezone.now(), slot=slot)
        except Refusal as refusal:
            messages.error(request, refusal.message)
        else:
            request.session[FLOW] = {**flow, "slot": slot, "phone": phone_hidden(phone)}
            messages.info(request, _("A new code was sent."))
        return redirect("accounts:code")
    if request.method == "POST" and form.is_valid():
        try:
            cabinet = services.cabinet_code_check(
                iin=flow["iin"], code=form.cleaned_data["code"], purpose=flow["purpose"], now=timezone.now(), slot=flow.get("slot", "1")
            )
        except Refusal as refusal:
            _refusal(form, refusal, "code")
        else:
            request.session[FLOW] = {**flow, "verified": True, "cabinet": cabinet.pk}
            if _may_set_password(flow, cabinet):
                return redirect("accounts:password_new")
            return redirect("accounts:password")
    return render(request, "accounts/code.html", {"form": form, "phone": flow.get("phone"), "resend_form": _resend_form(flow)})


def _verified_cabinet(request: HttpRequest) -> Cabinet | None:
    flow = _flow(request)
    if not flow or not flow.get("verified"):
        return None
    return Cabinet.objects.filter(pk=flow.get("cabinet")).first()


def _as_cabinet(request: HttpRequest, cabinet: Cabinet):
    """Before the login completes the request is anonymous to the middleware; what the verified
    parent does is recorded as the cabinet's (on a kiosk: the kiosk and the cabinet; issue 11, item 7)."""
    if request.kiosk is not None:
        return acting_as(actor_with(kind="kiosk", label=f"kiosk {request.kiosk.code} / cabinet {cabinet.pk}"))
    return acting_as(actor_with(kind="parent", label=f"cabinet {cabinet.pk}"))


def _complete_login(request: HttpRequest, cabinet: Cabinet) -> HttpResponse:
    now = timezone.now()
    request.session.cycle_key()  # no session fixation
    request.session.pop(FLOW, None)
    request.session[SESSION_CABINET] = cabinet.pk
    if request.kiosk is not None:
        # A kiosk never becomes, or replaces, the cabinet's registered device (SPEC §10).
        request.session[SESSION_DEVICE] = "kiosk"
        return redirect("queues:cabinet")
    token = request.COOKIES.get(DEVICE_COOKIE) or services.new_token()
    had_device = bool(cabinet.device_token_hash)
    is_new = services.cabinet_device_register(cabinet=cabinet, device_token=token, label=request.META.get("HTTP_USER_AGENT", "")[:200], now=now)
    if is_new and had_device:
        messages.warning(request, _("This device is now your cabinet's registered device; sessions on the previous device have ended."))
    request.session[SESSION_DEVICE] = services.token_hash(token)
    response = redirect("queues:cabinet")
    response.set_cookie(DEVICE_COOKIE, token, max_age=5 * 365 * 24 * 3600, httponly=True, samesite="Lax", secure=request.is_secure())
    return response


@require_http_methods(["GET", "POST"])
def login_password(request: HttpRequest) -> HttpResponse:
    """Step 3: the password."""
    cabinet = _verified_cabinet(request)
    if cabinet is None:
        return redirect("accounts:login")
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with _as_cabinet(request, cabinet):
            try:
                services.cabinet_password_check(cabinet=cabinet, password=form.cleaned_data["password"], now=timezone.now())
            except Refusal as refusal:
                _refusal(form, refusal, "password" if refusal.code == "wrong_password" else None)
            else:
                return _complete_login(request, cabinet)
    return render(request, "accounts/password.html", {"form": form})


def _may_set_password(flow: dict, cabinet: Cabinet) -> bool:
    """A password without the old one: in the reset flow, or when the cabinet has none yet."""
    return flow["purpose"] == "password_reset" or not cabinet.password


@require_http_methods(["GET", "POST"])
def password_new(request: HttpRequest) -> HttpResponse:
    """First login or reset: set the password (after the SMS code). After a login code, a cabinet
    that has a password asks for it: this page is not a way round it (nor round a lockout)."""
    cabinet = _verified_cabinet(request)
    if cabinet is None:
        return redirect("accounts:login")
    flow = _flow(request)
    if not _may_set_password(flow, cabinet):
        return redirect("accounts:password")
    form = NewPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with _as_cabinet(request, cabinet):
            try:
                services.cabinet_password_set(cabinet=cabinet, password=form.cleaned_data["password"], purpose=flow["purpose"], now=timezone.now())
            except Refusal as refusal:
                _refusal(form, refusal, "password")
            else:
                messages.success(request, _("The password is set."))
                return _complete_login(request, cabinet)
    return render(request, "accounts/password_new.html", {"form": form})


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    kiosk = request.kiosk
    request.session.flush()
    return redirect("accounts:kiosk" if kiosk else "portal:home")


@require_GET
def device(request: HttpRequest) -> HttpResponse:
    if request.cabinet is None:
        return redirect("accounts:login")
    return render(request, "accounts/device.html", {"cabinet": request.cabinet})


# --- kiosk ---------------------------------------------------------------------------------------


@require_GET
def kiosk_start(request: HttpRequest) -> HttpResponse:
    if request.kiosk is None:
        return redirect("accounts:kiosk_activate")
    return render(request, "kiosk/start.html", {"kiosk": request.kiosk, "idle_seconds": KIOSK_IDLE_SECONDS})


@require_http_methods(["GET", "POST"])
def kiosk_finish(request: HttpRequest) -> HttpResponse:
    """ "Finish" (or the idle timer): forget the family completely, back to the start screen."""
    request.session.flush()
    return redirect(reverse("accounts:kiosk"))
