"""Changing one of the cabinet's phones (SPEC §3: a code to the NEW number; and, since a cabinet's
phones are what protects it, a code to the number replaced) and withdrawing an application (SPEC §7:
a code to one of the cabinet's phones)."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Cabinet
from accounts.otp import code_consume, code_issue, code_verify
from accounts.services import cabinet_language, cabinet_phone_change, cabinet_phone_change_check
from core.errors import Refusal
from core.ratelimit import rate_limited_per
from placements.application_actions import application_withdraw
from queues.forms import PhoneChangeCodeForm, PhoneChangeForm
from queues.models import Application
from queues.views._common import (
    cabinet_code_limits,
    cabinet_required,
    confirm_view,
    own_application,
    phone_choices,
    phone_hidden,
    send_view,
)

# {"slot", "old", "new", "old_ok", "new_ok"}: the codes sent; "*_ok" is the id of the code once typed right.
PHONE_PENDING = "cabinet_phone_pending"


def _slot_choices(cabinet: Cabinet) -> list[tuple[str, str]]:
    """Both slots, the empty second one too (a first second phone needs only the new number's code)."""
    return [("1", phone_hidden(cabinet.phone)), ("2", phone_hidden(cabinet.phone2) if cabinet.phone2 else _("Second mobile phone"))]


def _phone_pending(request: HttpRequest) -> dict | None:
    """The change whose codes were sent, while the slot still holds the number they were sent for."""
    pending = request.session.get(PHONE_PENDING)
    if pending and request.cabinet.phone_in(pending["slot"]) == pending["old"]:
        return pending
    return None


def _code_form(pending: dict | None, data=None) -> PhoneChangeCodeForm:
    old = phone_hidden(pending["old"]) if pending and pending["old"] and not pending["old_ok"] else ""
    new = phone_hidden(pending["new"]) if pending and not pending["new_ok"] else ""
    return PhoneChangeCodeForm(data, old_phone=old, new_phone=new)


def _phone_page(request: HttpRequest, *, form: PhoneChangeForm | None = None, code_form: PhoneChangeCodeForm | None = None) -> HttpResponse:
    pending = _phone_pending(request)
    context = {
        "phones": [phone for _slot, phone in phone_choices(request.cabinet)],
        "form": form or PhoneChangeForm(phones=_slot_choices(request.cabinet)),
        "code_form": code_form or _code_form(pending),
        "pending": pending,
    }
    return render(request, "queues/phone_change.html", context)


@require_http_methods(["GET", "POST"])
@cabinet_required
def cabinet_phone(request: HttpRequest) -> HttpResponse:
    """SPEC §3, the cabinet's phones. GET: the form; POST: the code sent to the number replaced and
    the one sent to the new number (each remembered once right), then the change."""
    if request.method == "GET":
        return _phone_page(request)
    pending = _phone_pending(request)
    if pending is None:
        messages.error(request, Refusal("code_missing").message)
        return redirect("queues:cabinet_phone")
    code_form = _code_form(pending, request.POST)
    if code_form.is_valid():
        now = timezone.now()
        # Each code in its own transaction (a wrong try is counted); a right one is not asked again.
        wrong: dict[str, str] = {}
        for which in ("old", "new"):
            if pending[which] and not pending[f"{which}_ok"]:
                try:
                    # Not used up yet (SPEC §9): both are, with the change, in its own transaction.
                    otp_id = code_verify(phone=pending[which], purpose="phone_change", code=code_form.cleaned_data[f"code_{which}"], now=now, consume=False)
                except Refusal as refusal:
                    wrong[f"code_{which}"] = refusal.message
                else:
                    pending[f"{which}_ok"] = otp_id
        request.session[PHONE_PENDING] = pending
        code_form = _code_form(pending, request.POST)  # the codes still to enter, with what was wrong
        code_form.is_valid()
        for field, message in wrong.items():
            code_form.add_error(field, message)
        if (pending["old_ok"] or not pending["old"]) and pending["new_ok"]:
            request.session.pop(PHONE_PENDING, None)
            try:
                with transaction.atomic():
                    for which in ("old", "new"):
                        if type(pending[f"{which}_ok"]) is int:  # a code's id (True: a session from before, checked and used then)
                            code_consume(otp_id=pending[f"{which}_ok"], now=now)
                    cabinet_phone_change(cabinet=request.cabinet, slot=pending["slot"], phone=pending["new"], old_phone=pending["old"], now=now)
            except Refusal as refusal:
                messages.error(request, refusal.message)
                return redirect("queues:cabinet_phone")
            messages.success(request, _("The phone number is changed to %(phone)s.") % {"phone": phone_hidden(pending["new"])})
            return redirect("queues:cabinet")
    return _phone_page(request, code_form=code_form)


@require_POST
@rate_limited_per("cabinet-action-code", limits=cabinet_code_limits)
@cabinet_required
def cabinet_phone_send(request: HttpRequest) -> HttpResponse:
    """The number to replace and the new one: a code to each (to the new one only when the slot
    was empty)."""
    cabinet = request.cabinet
    form = PhoneChangeForm(request.POST, phones=_slot_choices(cabinet))
    if not form.is_valid():
        return _phone_page(request, form=form)
    slot, new = form.cleaned_data["slot"], form.cleaned_data["phone"]
    now = timezone.now()
    try:
        old = cabinet_phone_change_check(cabinet=cabinet, slot=slot, phone=new)
        for number in (old, new):
            if number:
                code_issue(phone=number, purpose="phone_change", now=now, language=cabinet_language(cabinet))
    except Refusal as refusal:
        form.add_error("phone", refusal.message)
        return _phone_page(request, form=form)
    request.session[PHONE_PENDING] = {"slot": slot, "old": old, "new": new, "old_ok": False, "new_ok": False}
    for number in (old, new):
        if number:
            messages.info(request, _("We sent a 6-digit code to %(phone)s. It is valid for 5 minutes.") % {"phone": phone_hidden(number)})
    return redirect("queues:cabinet_phone")


@require_GET
@cabinet_required
def phone_change(request: HttpRequest, number: int) -> HttpResponse:
    """The phones are the cabinet's, not one application's: the old per-application page leads there."""
    own_application(request, number)
    return redirect("queues:cabinet_phone")


@require_http_methods(["GET", "POST"])
@cabinet_required
def withdraw(request: HttpRequest, number: int) -> HttpResponse:
    application = own_application(request, number)

    def act() -> HttpResponse:
        application_withdraw(application=application, now=timezone.now())
        messages.success(request, _("Application No. %(number)s is withdrawn.") % {"number": application.number})
        return redirect("queues:cabinet")

    context = {"withdrawable": application.status in (Application.Status.QUEUED, Application.Status.DIRECTED)}
    return confirm_view(request, application=application, purpose="withdraw", template="queues/withdraw.html", context=context, act=act)


@require_POST
@rate_limited_per("cabinet-action-code", limits=cabinet_code_limits)
@cabinet_required
def withdraw_send(request: HttpRequest, number: int) -> HttpResponse:
    application = own_application(request, number)
    return send_view(request, application=application, purpose="withdraw", back=reverse("queues:withdraw", args=[number]))
