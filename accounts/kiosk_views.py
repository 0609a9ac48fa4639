"""Issue 11: pairing a kiosk screen. The screen shows a short code and a QR of the admin's confirm
page, and asks every few seconds (htmx) whether staff have confirmed it; staff confirm in the admin
(accounts/admin.py, KioskAdmin's "Pair a kiosk" page). Without JavaScript a button asks instead."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from accounts.kiosks import (
    KIOSK_COOKIE,
    KIOSK_PAIRING_COOKIE,
    PAIRING_MINUTES,
    kiosk_pairing_by_secret,
    kiosk_pairing_complete,
    kiosk_pairing_start,
)
from core.ratelimit import rate_limited
from placements.verification import qr_svg

POLL_SECONDS = 3
# New codes per address: a screen needs one per 10 minutes; this stops filling the table.
PAIRING_STARTS_PER_HOUR = 30


def pairing_code_display(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def _pair_url(request: HttpRequest, code: str) -> str:
    return request.build_absolute_uri(f"{reverse('admin:accounts_kiosk_pair')}?code={code}")


@require_GET
@rate_limited("kiosk-pairing", limit=PAIRING_STARTS_PER_HOUR, window=3600, methods=("GET",))
def kiosk_activate(request: HttpRequest) -> HttpResponse:
    """A screen that is not a kiosk yet: its pairing code (a new one when the last expired)."""
    if request.kiosk is not None:
        return redirect("accounts:kiosk")
    now = timezone.now()
    pairing = kiosk_pairing_by_secret(request.COOKIES.get(KIOSK_PAIRING_COOKIE), now=now)
    secret = None
    if pairing is None:
        pairing, secret = kiosk_pairing_start(now=now)
    context = {
        "pairing": pairing,
        "code": pairing_code_display(pairing.code),
        "qr": mark_safe(qr_svg(_pair_url(request, pairing.code))),  # our own SVG of our own URL
        "minutes": PAIRING_MINUTES,
        "poll_seconds": POLL_SECONDS,
    }
    response = render(request, "kiosk/activate.html", context)
    if secret is not None:
        max_age = PAIRING_MINUTES * 60 * 2  # long enough to complete after a late confirmation
        response.set_cookie(KIOSK_PAIRING_COOKIE, secret, max_age=max_age, httponly=True, samesite="Strict", secure=request.is_secure())
    return response


@require_POST
def kiosk_activate_status(request: HttpRequest) -> HttpResponse:
    """Asked every few seconds: once staff have confirmed, the screen takes its kiosk token."""
    htmx = bool(getattr(request, "htmx", False))
    now = timezone.now()
    pairing = kiosk_pairing_by_secret(request.COOKIES.get(KIOSK_PAIRING_COOKIE), now=now)
    token = kiosk_pairing_complete(pairing=pairing, now=now) if pairing is not None else None
    if token is None:
        if pairing is not None and htmx:  # not yet: keep asking
            return HttpResponse(status=204)
        target = reverse("accounts:kiosk_activate")  # gone or expired: a new code
    else:
        request.session.flush()
        target = reverse("accounts:kiosk")
    response = HttpResponse(status=204) if htmx else redirect(target)
    if htmx:
        response["HX-Redirect"] = target
    if token is not None:
        response.set_cookie(KIOSK_COOKIE, token, max_age=10 * 365 * 24 * 3600, httponly=True, samesite="Strict", secure=request.is_secure())
        response.delete_cookie(KIOSK_PAIRING_COOKIE, samesite="Strict")
    return response
