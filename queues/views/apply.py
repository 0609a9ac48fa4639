"""Applying (SPEC §3), step by step, with or without a cabinet: two phones confirmed by SMS codes;
the applicant and the child; the benefit, SEN and notifications; a review; then application_file.
The wizard lives in the session: no personal data in a URL."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from accounts.otp import code_issue, code_verify
from core.calendar import local
from core.context_processors import chosen_locality
from core.errors import Refusal
from core.iin import iin_birth_date, iin_is_valid
from core.ratelimit import rate_limited
from queues.documents import benefit_document_attach, document_sniff
from queues.forms import ApplyBenefitForm, ApplyChildForm, ApplyPhoneForm, CodeForm
from queues.models import Benefit, Locality
from queues.services import application_file
from queues.views._common import phone_hidden
from queues.views._wizard import (
    DONE,
    REFUSAL_FIELDS,
    document_keep,
    document_open,
    documents_drop,
    first_open_step,
    phones_confirmed,
    refusal_for,
    wizard_clear,
    wizard_get,
    wizard_put,
)

SLOTS = ("1", "2")


def _language() -> str:
    language = get_language() or "ru"
    return language if language in ("kk", "ru") else "ru"


# --- step 1: two phones, each confirmed with a code --------------------------------------------------


def _phones_page(request: HttpRequest, wizard: dict, forms: dict[str, Any] | None = None, code_forms: dict[str, Any] | None = None) -> HttpResponse:
    forms = forms or {}
    code_forms = code_forms or {}
    slots = []
    for slot in SLOTS:
        state = wizard["phones"].get(slot, {})
        slots.append(
            {
                "slot": slot,
                "state": state,
                "phone": phone_hidden(state.get("number", "")) if state.get("number") else "",
                "form": forms.get(slot) or ApplyPhoneForm(prefix=f"p{slot}"),
                "code_form": code_forms.get(slot) or CodeForm(prefix=f"c{slot}"),
            }
        )
    context = {"step": "phones", "slots": slots, "ready": phones_confirmed(wizard)}
    return render(request, "queues/apply_phones.html", context)


@require_http_methods(["GET", "POST"])
def apply_phones(request: HttpRequest) -> HttpResponse:
    """Step 1. POST: the code for one phone (`confirm`), or start that phone over (`reset`)."""
    wizard = wizard_get(request)
    if request.method == "GET":
        return _phones_page(request, wizard)
    slot = request.POST.get("slot")
    if slot not in SLOTS:
        return redirect("queues:apply")
    state = wizard["phones"].get(slot, {})
    if "reset" in request.POST or not state.get("number"):
        wizard["phones"][slot] = {}
        wizard_put(request, wizard)
        return redirect("queues:apply")
    code_form = CodeForm(request.POST, prefix=f"c{slot}")
    if code_form.is_valid():
        try:
            code_verify(phone=state["number"], purpose="apply_phone", code=code_form.cleaned_data["code"], now=timezone.now())
        except Refusal as refusal:
            code_form.add_error("code", refusal.message)
        else:
            wizard["phones"][slot] = {**state, "confirmed": True}
            wizard_put(request, wizard)
            return redirect(first_open_step(wizard) if phones_confirmed(wizard) else "queues:apply")
    return _phones_page(request, wizard, code_forms={slot: code_form})


@require_POST
@rate_limited("apply-code", limit=10, window=600)
def apply_phone_send(request: HttpRequest) -> HttpResponse:
    """Step 1: send a code to one of the two phones (they must differ)."""
    wizard = wizard_get(request)
    slot = request.POST.get("slot")
    if slot not in SLOTS:
        return redirect("queues:apply")
    other = wizard["phones"].get("2" if slot == "1" else "1", {}).get("number", "")
    form = ApplyPhoneForm(request.POST, prefix=f"p{slot}", other_phone=other)
    if form.is_valid():
        phone = form.cleaned_data["phone"]
        try:
            code_issue(phone=phone, purpose="apply_phone", now=timezone.now(), language=_language())
        except Refusal as refusal:
            form.add_error("phone", refusal.message)
        else:
            wizard["phones"][slot] = {"number": phone, "confirmed": False}
            wizard_put(request, wizard)
            messages.info(request, _("We sent a 6-digit code to %(phone)s. It is valid for 5 minutes.") % {"phone": phone_hidden(phone)})
            return redirect("queues:apply")
    return _phones_page(request, wizard, forms={slot: form})


# --- step 2: the applicant and the child ---------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def apply_child(request: HttpRequest) -> HttpResponse:
    wizard = wizard_get(request)
    if not phones_confirmed(wizard):
        return redirect("queues:apply")
    today = local(timezone.now()).date()
    kwargs = {"today": today, "language": _language()}
    if request.method == "POST":
        form = ApplyChildForm(request.POST, **kwargs)
        if form.is_valid():
            wizard["child"] = form.cleaned_data
            wizard_put(request, wizard)
            return redirect(first_open_step(wizard))
    elif (refusal := refusal_for(wizard, "child")) is not None:
        # A refusal of the filing: the data as entered, the reason next to its field.
        form = ApplyChildForm(wizard["child"], **kwargs)
        form.is_valid()
        form.add_error(refusal[0], Refusal(refusal[1]).message)
        wizard_put(request, wizard)
    elif wizard.get("child"):
        form = ApplyChildForm(initial=wizard["child"], **kwargs)
    else:
        locality = chosen_locality(request)
        initial = {"applicant_iin": request.cabinet.iin if request.cabinet else "", "locality": locality.code if locality else ""}
        form = ApplyChildForm(initial=initial, **kwargs)
    child_iin = form.data.get("child_iin") if form.is_bound else form.initial.get("child_iin")
    return render(request, "queues/apply_child.html", {"step": "child", "form": form, **_birth_date_context(child_iin or "", today)})


def _birth_date_context(child_iin: str, today) -> dict[str, Any]:
    child_iin = child_iin.strip()
    return {"birth_date": iin_birth_date(child_iin) if iin_is_valid(child_iin, today=today) else None, "iin_typed": len(child_iin) == 12}


@require_POST
@vary_on_headers("HX-Request")
def apply_birth_date(request: HttpRequest) -> HttpResponse:
    """htmx: the birth date the child's IIN encodes, shown as the IIN is typed."""
    if not request.htmx:
        return redirect("queues:apply_child")
    context = _birth_date_context(request.POST.get("child_iin", ""), local(timezone.now()).date())
    return render(request, "queues/_birth_date.html", context)


# --- step 3: benefit, SEN, notifications ----------------------------------------------------------------


def _uploads_keep(request: HttpRequest, wizard: dict) -> str | None:
    """Check the uploaded documents by content and keep the good ones; the refusal of a bad one."""
    error = None
    for upload in request.FILES.getlist("documents"):
        try:
            content_type, extension = document_sniff(upload)
        except Refusal as refusal:
            error = refusal.message
            continue
        wizard["documents"] = [*wizard.get("documents", []), document_keep(upload, content_type, extension)]
    return error


@require_http_methods(["GET", "POST"])
def apply_benefit(request: HttpRequest) -> HttpResponse:
    wizard = wizard_get(request)
    if not phones_confirmed(wizard) or not wizard.get("child"):
        return redirect(first_open_step(wizard))
    if request.method == "POST" and "remove_documents" in request.POST:
        documents_drop(wizard.get("documents", []))
        wizard["documents"] = []
        wizard_put(request, wizard)
        return redirect("queues:apply_benefit")
    if request.method == "POST":
        upload_error = _uploads_keep(request, wizard)
        wizard_put(request, wizard)
        form = ApplyBenefitForm(request.POST, documents_attached=len(wizard["documents"]))
        valid = form.is_valid()
        if upload_error:
            form.add_error("documents", upload_error)
        elif valid:
            wizard["benefit"] = {k: v for k, v in form.cleaned_data.items() if k != "documents"}
            wizard_put(request, wizard)
            return redirect(first_open_step(wizard))
    elif (refusal := refusal_for(wizard, "benefit")) is not None:
        form = ApplyBenefitForm(wizard["benefit"], documents_attached=len(wizard["documents"]))
        form.is_valid()
        form.add_error(refusal[0], Refusal(refusal[1]).message)
        wizard_put(request, wizard)
    else:
        form = ApplyBenefitForm(initial=wizard.get("benefit") or {"language": _language()}, documents_attached=len(wizard["documents"]))
    return render(request, "queues/apply_benefit.html", {"step": "benefit", "form": form, "documents": wizard.get("documents", [])})


# --- step 4: review and filing ---------------------------------------------------------------------------


def _filing_arguments(wizard: dict) -> dict[str, Any]:
    child, benefit = wizard["child"], wizard["benefit"]
    return {
        "child_iin": child["child_iin"],
        "locality_code": child["locality"],
        "benefit": benefit["benefit"],
        "benefit_category": benefit["benefit_category"] if benefit["benefit"] != Benefit.NONE else "",
        "queues": ["general", *benefit.get("queues", [])],
        "sen_pmpk": benefit["sen_pmpk"],
        "child_last_name": child["child_last_name"],
        "child_first_name": child["child_first_name"],
        "child_middle_name": child["child_middle_name"],
        "birth_certificate": child["birth_certificate"],
        "applicant_iin": child["applicant_iin"],
        "applicant_last_name": child["applicant_last_name"],
        "applicant_first_name": child["applicant_first_name"],
        "applicant_middle_name": child["applicant_middle_name"],
        "phone": wizard["phones"]["1"]["number"],
        "phone2": wizard["phones"]["2"]["number"],
        "email": benefit["email"],
        "address": child["address"],
        "channel": benefit["channel"],
        "language": benefit["language"],
    }


@require_http_methods(["GET", "POST"])
def apply_review(request: HttpRequest) -> HttpResponse:
    wizard = wizard_get(request)
    if first_open_step(wizard) != "queues:apply_review":
        return redirect(first_open_step(wizard))
    refusal: Refusal | None = None
    if request.method == "POST":
        now = timezone.now()
        documents = wizard.get("documents", []) if wizard["benefit"]["benefit"] != Benefit.NONE else []
        try:
            # The application and its documents together, or nothing.
            with transaction.atomic():
                application = application_file(now=now, **_filing_arguments(wizard))
                for record in documents:
                    with document_open(record) as upload:
                        benefit_document_attach(application=application, upload=upload, now=now)
        except Refusal as error:
            if error.code in REFUSAL_FIELDS:
                wizard["refusal"] = error.code
                wizard_put(request, wizard)
                return redirect("queues:apply_child" if REFUSAL_FIELDS[error.code][0] == "child" else "queues:apply_benefit")
            refusal = error
        except OSError:
            # A waiting document is gone (removed after a day): attach it again.
            wizard["documents"] = []
            wizard_put(request, wizard)
            messages.error(request, _("The attached documents are no longer available. Please attach them again."))
            return redirect("queues:apply_benefit")
        else:
            wizard_clear(request)
            request.session[DONE] = application.number
            return redirect("queues:apply_done")
    child, benefit = wizard["child"], wizard["benefit"]
    context = {
        "step": "review",
        "child": child,
        "benefit": benefit,
        "birth_date": iin_birth_date(child["child_iin"]),
        "locality": Locality.objects.filter(code=child["locality"]).first(),
        "phones": [phone_hidden(wizard["phones"][slot]["number"]) for slot in SLOTS],
        "documents": wizard.get("documents", []) if benefit["benefit"] != Benefit.NONE else [],
        "labels": _review_labels(benefit),
        "refusal": refusal,
    }
    return render(request, "queues/apply_review.html", context)


def _review_labels(benefit: dict) -> dict[str, Any]:
    form = ApplyBenefitForm()
    choices = {name: dict(form.fields[name].choices) for name in ("benefit", "channel", "language")}
    categories: dict[str, str] = {}
    for value, label in form.fields["benefit_category"].choices:
        categories.update(dict(label) if isinstance(label, list | tuple) else {value: label})
    queues = dict(form.fields["queues"].choices)
    return {
        "benefit": choices["benefit"].get(benefit["benefit"]),
        # No category chosen: nothing to show (the empty choice's "—" label is not a category).
        "category": categories.get(benefit["benefit_category"]) if benefit.get("benefit_category") else None,
        "queues": [queues[q] for q in benefit.get("queues", []) if q in queues],
        "channel": choices["channel"].get(benefit["channel"]),
        "language": choices["language"].get(benefit["language"]),
    }


@require_GET
def apply_done(request: HttpRequest) -> HttpResponse:
    number = request.session.get(DONE)
    if number is None:
        return redirect("queues:apply")
    return render(request, "queues/apply_done.html", {"number": number})


@require_POST
def apply_cancel(request: HttpRequest) -> HttpResponse:
    """Start over: the wizard and its waiting documents are forgotten."""
    wizard_clear(request)
    messages.info(request, _("The application form was cleared."))
    return redirect(reverse("queues:apply"))
