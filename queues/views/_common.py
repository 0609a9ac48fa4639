"""What the cabinet's pages share: the logged-in parent, their own application, and actions
confirmed with an SMS code to one of the cabinet's phones (SPEC §7, §9: the code is checked first,
outside any transaction, so a wrong try counts; it is used up in the action's own transaction, so
a refused action leaves it valid for the next attempt)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.forms import phone_choices
from accounts.otp import code_consume, code_issue, code_next_allowed, code_verify
from accounts.services import cabinet_applications
from core.errors import Refusal
from core.phones import phone_hidden
from core.ratelimit import Limit
from queues.forms import CodeForm, SendCodeForm
from queues.models import Application

PENDING = "cabinet_pending"  # {"purpose", "application" (number), "target", "phone"}: the code last sent
CODE_WAIT = "cabinet_code_wait"  # ISO moment before which none of the cabinet's phones may get a code
# Codes asked per cabinet and per application in CODE_WINDOW seconds (the phone's own SPEC §9 limits
# live in accounts/otp.py; the address only has core.ratelimit's generous ceiling).
CODE_LIMIT, CODE_WINDOW = 10, 600


def cabinet_code_limits(request: HttpRequest, number: int | None = None, **_kwargs: Any) -> list[Limit]:
    """Rate-limit keys of a cabinet's "send the code" (core.ratelimit.rate_limited_per): the family's
    own, so families behind one NAT or kiosk do not share them."""
    limits = []
    if getattr(request, "cabinet", None) is not None:
        limits.append(Limit(f"cabinet-action-code:cabinet:{request.cabinet.pk}", CODE_LIMIT, CODE_WINDOW))
    if number is not None:
        limits.append(Limit(f"cabinet-action-code:application:{number}", CODE_LIMIT, CODE_WINDOW))
    return limits


def cabinet_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The parent's pages: log in first (the same pages serve the kiosk)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.cabinet is None:
            return redirect("accounts:login")
        return view(request, *args, **kwargs)

    return wrapped


def own_application(request: HttpRequest, number: int) -> Application:
    """Only an application where the logged-in parent is the applicant; 404 for anyone else's."""
    return get_object_or_404(cabinet_applications(request.cabinet), number=number)


def code_send(request: HttpRequest, *, application: Application, purpose: str, phone: str, target: str = "", about: dict | None = None) -> bool:
    """Send a code for one action on one application and remember it; a refusal becomes a message
    that says when a new code can be sent (SPEC §9 limits) — and when none of the cabinet's phones
    may get one before then, the page keeps its button disabled until that moment."""
    try:
        code_issue(phone=phone, purpose=purpose, now=timezone.now(), language=application.language, about=about)
    except Refusal as refusal:
        messages.error(request, refusal.message)
        wait = code_wait(request) if getattr(refusal, "next_allowed", None) else None
        if wait is not None:
            request.session[CODE_WAIT] = wait.isoformat()
        return False
    request.session.pop(CODE_WAIT, None)
    request.session[PENDING] = {"purpose": purpose, "application": application.number, "target": target, "phone": phone}
    messages.info(request, _("We sent a 6-digit code to %(phone)s. It is valid for 5 minutes.") % {"phone": phone_hidden(phone)})
    return True


def code_pending(request: HttpRequest, *, application: Application, purpose: str, target: str = "") -> dict | None:
    pending = request.session.get(PENDING)
    if pending and pending.get("purpose") == purpose and pending.get("application") == application.number and pending.get("target") == target:
        return pending
    return None


def code_check(request: HttpRequest, *, application: Application, purpose: str, code: str, target: str = "") -> int:
    """Verify the code sent for exactly this action (its own transaction: a wrong try is counted).
    The code is not used up here: returns its id for `code_consume` inside the action."""
    pending = code_pending(request, application=application, purpose=purpose, target=target)
    if pending is None or pending["phone"] not in dict(request.cabinet.phone_slots()).values():
        raise Refusal("code_missing")  # none sent, or to a number the cabinet no longer has
    return code_verify(phone=pending["phone"], purpose=purpose, code=code, now=timezone.now(), consume=False)


def code_wait(request: HttpRequest) -> dt.datetime | None:
    """When a new code can be sent to one of the cabinet's phones, if none may get one now (SPEC §9
    limits)."""
    now = timezone.now()
    waits = [code_next_allowed(phone=phone, now=now) for _slot, phone in request.cabinet.phone_slots()]
    if not waits or any(wait is None for wait in waits):
        return None
    return min(waits)


def _code_wait_context(request: HttpRequest) -> dict[str, Any]:
    """After a refused "send the code": the moment the button is enabled again (the page's
    countdown.js enables it then; without JavaScript the message says the time)."""
    stored = request.session.get(CODE_WAIT)
    now = timezone.now()
    wait = dt.datetime.fromisoformat(stored) if stored else None
    if wait is None or wait <= now:
        request.session.pop(CODE_WAIT, None)
        return {}
    return {"code_wait": wait, "code_wait_at": timezone.localtime(wait).strftime("%H:%M:%S"), "code_wait_seconds": math.ceil((wait - now).total_seconds())}


def send_view(request: HttpRequest, *, application: Application, purpose: str, back: str, target: str = "", about: dict | None = None) -> HttpResponse:
    """POST of "send the code": to one of the cabinet's phones, then back to the action's page.
    `about`: what the SMS names besides the purpose (a claim's kindergarten, issue 11)."""
    form = SendCodeForm(request.POST, phones=phone_choices(request.cabinet))
    if form.is_valid():
        code_send(request, application=application, purpose=purpose, phone=request.cabinet.phone_in(form.cleaned_data["to"]), target=target, about=about)
    else:
        messages.error(request, _("Choose the phone to send the code to."))
    return redirect(back)


def confirm_view(
    request: HttpRequest,
    *,
    application: Application,
    purpose: str,
    template: str,
    context: dict[str, Any],
    act: Callable[[], HttpResponse],
    target: str = "",
) -> HttpResponse:
    """GET: the action's page with "send the code"; POST: the code, then `act` (the service call).
    A refusal of the service is shown in words on the same page."""
    code_form = CodeForm(request.POST or None)
    refusal: Refusal | None = None
    if request.method == "POST" and code_form.is_valid():
        try:
            otp_id = code_check(request, application=application, purpose=purpose, code=code_form.cleaned_data["code"], target=target)
        except Refusal as error:
            code_form.add_error("code", error.message)
        else:
            try:
                # SPEC §9: used up only together with a successful action. The conditional UPDATE goes
                # first, so of two requests with one code the second waits for the first and then
                # finds it used; a refusal rolls both back and the code stays valid, no try spent.
                with transaction.atomic():
                    code_consume(otp_id=otp_id, now=timezone.now())
                    response = act()
            except Refusal as error:
                refusal = error
            else:
                request.session.pop(PENDING, None)
                return response
    return render(
        request,
        template,
        {
            **context,
            "application": application,
            "send_form": SendCodeForm(phones=phone_choices(request.cabinet)),
            "code_form": code_form,
            "code_pending": code_pending(request, application=application, purpose=purpose, target=target),
            **_code_wait_context(request),
            "refusal": refusal,
        },
    )
