"""What the cabinet's pages share: the logged-in parent, their own application, and actions
confirmed with an SMS code to one of the cabinet's phones (SPEC §7, §9: the code first, outside any
transaction, then the service)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.forms import phone_choices
from accounts.otp import code_issue, code_verify
from accounts.services import cabinet_applications
from core.errors import Refusal
from notifications.phones import phone_hidden
from queues.forms import CodeForm, SendCodeForm
from queues.models import Application

PENDING = "cabinet_pending"  # {"purpose", "application" (number), "target", "phone"}: the code last sent


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


def code_send(request: HttpRequest, *, application: Application, purpose: str, phone: str, target: str = "") -> bool:
    """Send a code for one action on one application and remember it; a refusal becomes a message."""
    try:
        code_issue(phone=phone, purpose=purpose, now=timezone.now(), language=application.language)
    except Refusal as refusal:
        messages.error(request, refusal.message)
        return False
    request.session[PENDING] = {"purpose": purpose, "application": application.number, "target": target, "phone": phone}
    messages.info(request, _("We sent a 6-digit code to %(phone)s. It is valid for 5 minutes.") % {"phone": phone_hidden(phone)})
    return True


def code_pending(request: HttpRequest, *, application: Application, purpose: str, target: str = "") -> dict | None:
    pending = request.session.get(PENDING)
    if pending and pending.get("purpose") == purpose and pending.get("application") == application.number and pending.get("target") == target:
        return pending
    return None


def code_check(request: HttpRequest, *, application: Application, purpose: str, code: str, target: str = "") -> dict:
    """Verify the code sent for exactly this action (its own transaction: a wrong try is counted)."""
    pending = code_pending(request, application=application, purpose=purpose, target=target)
    if pending is None or pending["phone"] not in dict(request.cabinet.phone_slots()).values():
        raise Refusal("code_missing")  # none sent, or to a number the cabinet no longer has
    code_verify(phone=pending["phone"], purpose=purpose, code=code, now=timezone.now())
    request.session.pop(PENDING, None)
    return pending


def send_view(request: HttpRequest, *, application: Application, purpose: str, back: str, target: str = "") -> HttpResponse:
    """POST of "send the code": to one of the cabinet's phones, then back to the action's page."""
    form = SendCodeForm(request.POST, phones=phone_choices(request.cabinet))
    if form.is_valid():
        code_send(request, application=application, purpose=purpose, phone=request.cabinet.phone_in(form.cleaned_data["to"]), target=target)
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
            code_check(request, application=application, purpose=purpose, code=code_form.cleaned_data["code"], target=target)
        except Refusal as error:
            code_form.add_error("code", error.message)
        else:
            try:
                return act()
            except Refusal as error:
                refusal = error
    return render(
        request,
        template,
        {
            **context,
            "application": application,
            "send_form": SendCodeForm(phones=phone_choices(request.cabinet)),
            "code_form": code_form,
            "code_pending": code_pending(request, application=application, purpose=purpose, target=target),
            "refusal": refusal,
        },
    )
