"""The apply wizard's proof step (issue 8): the applicant's IIN already has a personal cabinet and
the parent is not logged in to it. Only the cabinet's holder may file for that IIN: they log in, or
confirm with a code sent to one of the cabinet's own phones (never to a phone typed into the wizard).
Without that an application could name anyone's IIN and take over their cabinet."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import phone_choices
from accounts.models import Cabinet
from accounts.services import cabinet_code_check, cabinet_code_send
from core.errors import Refusal
from core.phones import phone_hidden
from core.ratelimit import rate_limited_per
from queues.forms import CodeForm, SendCodeForm
from queues.views._wizard import cabinet_unproven, first_open_step, phones_confirmed, wizard_get, wizard_limits, wizard_put

PURPOSE = "apply_cabinet"


def confirmed_cabinet_id(wizard: dict, iin: str) -> int | None:
    """The cabinet of this IIN whose code the parent entered in this wizard, if they did."""
    proof = wizard.get("cabinet") or {}
    return proof.get("id") if proof.get("confirmed") and proof.get("iin") == iin else None


def _unproven_cabinet(request: HttpRequest, wizard: dict) -> Cabinet | None:
    """The cabinet still to prove; None when there is none (any more): logged in to it since, say."""
    if not phones_confirmed(wizard) or not wizard.get("child") or not cabinet_unproven(wizard):
        return None
    iin = wizard["child"]["applicant_iin"]
    cabinet = Cabinet.objects.filter(iin=iin).first()
    if cabinet is None or (request.cabinet is not None and request.cabinet.pk == cabinet.pk):
        wizard["cabinet"] = None
        wizard_put(request, wizard)
        return None
    return cabinet


@require_http_methods(["GET", "POST"])
@rate_limited_per("apply-cabinet-code-check", limits=wizard_limits("apply-cabinet-code-check", limit=30))
def apply_cabinet(request: HttpRequest) -> HttpResponse:
    """GET: why, and the ways on; POST: the code sent to the cabinet's phone."""
    wizard = wizard_get(request)
    cabinet = _unproven_cabinet(request, wizard)
    if cabinet is None:
        return redirect(first_open_step(wizard))
    proof = wizard["cabinet"]
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cabinet = cabinet_code_check(iin=cabinet.iin, code=form.cleaned_data["code"], purpose=PURPOSE, now=timezone.now(), slot=proof.get("slot", "1"))
        except Refusal as refusal:
            form.add_error("code", refusal.message)
        else:
            wizard["cabinet"] = {"iin": cabinet.iin, "confirmed": True, "id": cabinet.pk}
            wizard_put(request, wizard)
            return redirect(first_open_step(wizard))
    context = {
        "step": "child",
        "refusal": Refusal("cabinet_exists"),
        "send_form": SendCodeForm(initial={"to": proof.get("slot", "1")}, phones=phone_choices(cabinet)),
        "code_form": form,
        "code_pending": proof.get("sent"),
    }
    return render(request, "queues/apply_cabinet.html", context)


@require_POST
@rate_limited_per("apply-code", limits=wizard_limits("apply-code", limit=10))
def apply_cabinet_send(request: HttpRequest) -> HttpResponse:
    """A code to the phone of the cabinet the parent chose (the cabinet's own, shown masked)."""
    wizard = wizard_get(request)
    cabinet = _unproven_cabinet(request, wizard)
    if cabinet is None:
        return redirect(first_open_step(wizard))
    form = SendCodeForm(request.POST, phones=phone_choices(cabinet))
    slot = form.cleaned_data["to"] if form.is_valid() else "1"
    try:
        phone = cabinet_code_send(iin=cabinet.iin, purpose=PURPOSE, now=timezone.now(), slot=slot)
    except Refusal as refusal:
        messages.error(request, refusal.message)
    else:
        wizard["cabinet"] = {**wizard["cabinet"], "slot": slot, "sent": phone_hidden(phone)}
        wizard_put(request, wizard)
        messages.info(request, _("We sent a 6-digit code to %(phone)s. It is valid for 5 minutes.") % {"phone": phone_hidden(phone)})
    return redirect("queues:apply_cabinet")
