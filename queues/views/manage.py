"""Changing a phone (SPEC §3: a code to the NEW number) and withdrawing the application (SPEC §7:
a code to one of its phones)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import Refusal
from core.ratelimit import rate_limited
from queues.forms import CodeForm, PhoneChangeForm
from queues.models import Application
from queues.services import application_phone_change, application_withdraw
from queues.views._common import (
    PENDING,
    cabinet_required,
    code_check,
    code_pending,
    code_send,
    confirm_view,
    own_application,
    phone_choices,
    phone_hidden,
    send_view,
)


def _phone_page(request: HttpRequest, application: Application, *, form: PhoneChangeForm | None = None, code_form: CodeForm | None = None) -> HttpResponse:
    pending = code_pending(request, application=application, purpose="phone_change", target=_target(request))
    context = {
        "application": application,
        "form": form or PhoneChangeForm(phones=phone_choices(application)),
        "code_form": code_form or CodeForm(),
        "pending": pending,
        "pending_phone": phone_hidden(pending["phone"]) if pending else "",
        "not_live": application.status not in Application.LIVE_STATUSES,
    }
    return render(request, "queues/phone_change.html", context)


def _target(request: HttpRequest) -> str:
    """Which number the pending code would replace ("1" or "2"): part of what the code confirms."""
    pending = request.session.get(PENDING) or {}
    return pending.get("target", "") if pending.get("purpose") == "phone_change" else ""


@require_http_methods(["GET", "POST"])
@cabinet_required
def phone_change(request: HttpRequest, number: int) -> HttpResponse:
    """GET: the form; POST: the code sent to the new number, then the change."""
    application = own_application(request, number)
    if request.method == "GET":
        return _phone_page(request, application)
    code_form = CodeForm(request.POST)
    if code_form.is_valid():
        slot = _target(request)
        try:
            pending = code_check(request, application=application, purpose="phone_change", code=code_form.cleaned_data["code"], target=slot)
            if slot == "2":
                application_phone_change(application=application, phone=application.phone, phone2=pending["phone"], now=timezone.now())
            else:
                application_phone_change(application=application, phone=pending["phone"], now=timezone.now())
        except Refusal as refusal:
            code_form.add_error("code", refusal.message)
        else:
            messages.success(request, _("The phone number is changed to %(phone)s.") % {"phone": phone_hidden(pending["phone"])})
            return redirect("queues:cabinet")
    return _phone_page(request, application, code_form=code_form)


@require_POST
@rate_limited("cabinet-action-code", limit=10, window=600)
@cabinet_required
def phone_change_send(request: HttpRequest, number: int) -> HttpResponse:
    """The new number and which one it replaces; the code goes to the new number."""
    application = own_application(request, number)
    form = PhoneChangeForm(request.POST, phones=phone_choices(application))
    if not form.is_valid():
        return _phone_page(request, application, form=form)
    code_send(request, application=application, purpose="phone_change", phone=form.cleaned_data["phone"], target=form.cleaned_data["slot"])
    return redirect("queues:phone_change", number=number)


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
@rate_limited("cabinet-action-code", limit=10, window=600)
@cabinet_required
def withdraw_send(request: HttpRequest, number: int) -> HttpResponse:
    application = own_application(request, number)
    return send_view(request, application=application, purpose="withdraw", back=reverse("queues:withdraw", args=[number]))
