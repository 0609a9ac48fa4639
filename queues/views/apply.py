"""Applying (SPEC §3), step by step, with or without a cabinet: two phones confirmed by SMS codes;
the applicant and the child (an applicant IIN that has a cabinet: its holder only, see
apply_cabinet.py); the benefit, SEN and notifications; a review; then the applicant's cabinet and
application_file. The wizard lives in the session: no personal data in a URL."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from accounts.otp import code_issue, code_verify
from accounts.services import cabinet_filing_check, cabinet_for_filing
from core.calendar import local
from core.errors import Refusal
from core.htmx import wants_fragment
from core.iin import iin_birth_date, iin_is_valid
from core.phones import phone_hidden
from core.ratelimit import rate_limited_per
from queues.documents import MAX_DOCUMENTS_TOTAL_BYTES, MB, benefit_document_attach, document_sniff
from queues.forms import ApplyBenefitForm, ApplyChildForm, ApplyPhoneForm, CodeForm
from queues.localities import chosen_locality
from queues.models import Application, Benefit, Locality, QueueKind
from queues.selectors import application_positions
from queues.services import admission_birth_dates, application_age_check, application_file
from queues.views._wizard import (
    DONE,
    REFUSAL_FIELDS,
    cabinet_unproven,
    document_keep,
    document_open,
    documents_bytes_left,
    first_open_step,
    phones_confirmed,
    refusal_for,
    wizard_clear,
    wizard_documents_drop,
    wizard_get,
    wizard_limits,
    wizard_put,
)
from queues.views.apply_cabinet import confirmed_cabinet_id

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
@rate_limited_per("apply-code", limits=wizard_limits("apply-code", limit=10))
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
    now = timezone.now()
    today = local(now).date()
    kwargs = {"today": today, "language": _language(), "cabinet_iin": request.cabinet.iin if request.cabinet else ""}
    if request.method == "POST":
        form = ApplyChildForm(request.POST, **kwargs)
        if (
            form.is_valid()
            and _child_age_allowed(form, child_iin=form.cleaned_data["child_iin"], sen_pmpk=form.cleaned_data["sen_pmpk"], now=now)
            and _applicant_may_file(request, wizard, form)
        ):
            wizard["child"] = form.cleaned_data
            wizard_put(request, wizard)
            return redirect(first_open_step(wizard))
    elif (refusal := refusal_for(wizard, "child")) is not None:
        # A refusal of the filing: the data as entered, the reason next to its field.
        form = ApplyChildForm(wizard["child"], **kwargs)
        form.is_valid()
        form.add_error(refusal[0], _refusal_error(refusal[1], now))
        wizard_put(request, wizard)
    elif wizard.get("child"):
        form = ApplyChildForm(initial=wizard["child"], **kwargs)
    else:
        locality = chosen_locality(request)
        initial = {"applicant_iin": request.cabinet.iin if request.cabinet else "", "locality": locality.code if locality else ""}
        form = ApplyChildForm(initial=initial, **kwargs)
    child_iin = form.data.get("child_iin") if form.is_bound else form.initial.get("child_iin")
    return render(request, "queues/apply_child.html", {"step": "child", "form": form, **_birth_date_context(child_iin or "", today)})


def _refusal_error(code: str, now: dt.datetime) -> forms.ValidationError:
    """A filing refusal as a field error; over_age names the birth years accepted (issue 11)."""
    if code == "over_age":
        reference, earliest = admission_birth_dates(now)
        params = {"reference": f"{reference:%d.%m.%Y}", "earliest": f"{earliest:%d.%m.%Y}", "first_year": earliest.year, "last_year": local(now).year}
        return forms.ValidationError(Refusal("over_age_birth_years", **params).message, code=code)
    return forms.ValidationError(Refusal(code).message, code=code)


def _child_age_allowed(form: forms.Form, *, child_iin: str, sen_pmpk: bool, now: dt.datetime, field: str = "child_iin") -> bool:
    """SPEC §3 over_age asked as soon as the child's IIN is typed, not after the benefit and review
    steps (issue 11): the same service rule application_file keeps as the guard."""
    try:
        application_age_check(birth_date=iin_birth_date(child_iin), sen_pmpk=sen_pmpk, now=now)
    except Refusal as refusal:
        form.add_error(field, _refusal_error(refusal.code, now))
        return False
    return True


def _applicant_may_file(request: HttpRequest, wizard: dict, form: ApplyChildForm) -> bool:
    """Issue 8, asked as soon as the applicant's IIN is known (and again at the filing): a cabinet
    of this IIN that the parent has not proven to hold leads to its proof step; a refusal goes next
    to the IIN."""
    iin = form.cleaned_data["applicant_iin"]
    try:
        cabinet_filing_check(iin=iin, phone=wizard["phones"]["1"]["number"], logged_in=request.cabinet, confirmed_cabinet_id=confirmed_cabinet_id(wizard, iin))
    except Refusal as refusal:
        if refusal.code != "cabinet_exists":
            form.add_error("applicant_iin", refusal.message)
            return False
        wizard["cabinet"] = {"iin": iin, "confirmed": False}
    else:
        if confirmed_cabinet_id(wizard, iin) is None:
            wizard["cabinet"] = None
    return True


def _birth_date_context(child_iin: str, today) -> dict[str, Any]:
    child_iin = child_iin.strip()
    return {"birth_date": iin_birth_date(child_iin) if iin_is_valid(child_iin, today=today) else None, "iin_typed": len(child_iin) == 12}


@require_POST
@vary_on_headers("HX-Request")
def apply_birth_date(request: HttpRequest) -> HttpResponse:
    """htmx: the birth date the child's IIN encodes, shown as the IIN is typed."""
    if not wants_fragment(request):
        return redirect("queues:apply_child")
    context = _birth_date_context(request.POST.get("child_iin", ""), local(timezone.now()).date())
    return render(request, "queues/_birth_date.html", context)


# --- step 3: benefit, SEN, notifications ----------------------------------------------------------------


# A sending of the benefit step may carry this much besides the documents (the fields, the multipart framing).
FORM_OVERHEAD_BYTES = 64 * 1024
# An oversize sending is read to its end (into nothing) up to this size, so the browser gets the page
# rather than a reset connection; a bigger one is answered without reading it.
DRAIN_MAX_BYTES = 64 * MB


def _uploads_keep(request: HttpRequest, wizard: dict) -> list[str]:
    """Check the uploaded documents by content and keep the good ones within the limits; the refusals."""
    errors: list[str] = []
    for upload in request.FILES.getlist("documents"):
        try:
            content_type, extension = document_sniff(upload)
            record = document_keep(wizard=wizard, upload=upload, content_type=content_type, extension=extension)
        except Refusal as refusal:
            if refusal.message not in errors:
                errors.append(refusal.message)
            continue
        wizard["documents"] = [*wizard.get("documents", []), record]
    return errors


def _benefit_page(request: HttpRequest, wizard: dict, form: ApplyBenefitForm, status: int = 200) -> HttpResponse:
    context = {"step": "benefit", "form": form, "documents": wizard.get("documents", [])}
    return render(request, "queues/apply_benefit.html", context, status=status)


def _sending_too_large(request: HttpRequest, wizard: dict) -> HttpResponse | None:
    """Refuse, before its files are read, a sending bigger than the documents this wizard may still
    attach: Django reads no more than Content-Length, so this bounds what reaches memory and disk."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0  # Django reads nothing of a body without a valid length
    if length <= documents_bytes_left(wizard) + FORM_OVERHEAD_BYTES:
        return None
    if length <= DRAIN_MAX_BYTES:
        while request.read(64 * 1024):
            pass
    messages.error(request, Refusal("documents_too_large", total=MAX_DOCUMENTS_TOTAL_BYTES // MB).message)
    form = ApplyBenefitForm(initial=_benefit_initial(wizard), documents_attached=len(wizard["documents"]))
    return _benefit_page(request, wizard, form, status=413)


# csrf_exempt, then csrf_protect inside: the CSRF check reads the body (and its files), and the size
# check must come first (Django's documented way for upload limits). Uploads are rate-limited per client.
@csrf_exempt
@require_http_methods(["GET", "POST"])
@rate_limited_per("apply-documents", limits=wizard_limits("apply-documents", limit=30))
def apply_benefit(request: HttpRequest) -> HttpResponse:
    wizard = wizard_get(request)
    if not phones_confirmed(wizard) or not wizard.get("child") or cabinet_unproven(wizard):
        return redirect(first_open_step(wizard))
    if request.method == "POST" and (refused := _sending_too_large(request, wizard)) is not None:
        return refused
    return _apply_benefit(request, wizard)


@csrf_protect
def _apply_benefit(request: HttpRequest, wizard: dict) -> HttpResponse:
    if request.method == "POST" and "remove_documents" in request.POST:
        wizard_documents_drop(wizard)
        wizard_put(request, wizard)
        return redirect("queues:apply_benefit")
    if request.method == "POST":
        upload_errors = _uploads_keep(request, wizard)
        wizard_put(request, wizard)
        form = ApplyBenefitForm(request.POST, documents_attached=len(wizard["documents"]))
        valid = form.is_valid()
        if upload_errors:
            form.add_error("documents", upload_errors)
        elif valid and _child_age_allowed(
            form, child_iin=wizard["child"]["child_iin"], sen_pmpk=form.cleaned_data["sen_pmpk"], now=timezone.now(), field="sen_pmpk"
        ):
            wizard["benefit"] = {k: v for k, v in form.cleaned_data.items() if k != "documents"}
            wizard_put(request, wizard)
            return redirect(first_open_step(wizard))
    elif (refusal := refusal_for(wizard, "benefit")) is not None:
        form = ApplyBenefitForm(wizard["benefit"], documents_attached=len(wizard["documents"]))
        form.is_valid()
        form.add_error(refusal[0], Refusal(refusal[1]).message)
        wizard_put(request, wizard)
    else:
        form = ApplyBenefitForm(initial=_benefit_initial(wizard), documents_attached=len(wizard["documents"]))
    return _benefit_page(request, wizard, form)


def _benefit_initial(wizard: dict) -> dict[str, Any]:
    """What the benefit step shows first: the choices made, or the language and the SEN box ticked at the child step."""
    return wizard.get("benefit") or {"language": _language(), "sen_pmpk": bool(wizard["child"].get("sen_pmpk"))}


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
            # The applicant's cabinet, the application and its documents together, or nothing.
            with transaction.atomic():
                arguments = _filing_arguments(wizard)
                iin = arguments["applicant_iin"]
                cabinet_for_filing(
                    iin=iin,
                    phone=arguments["phone"],
                    phone2=arguments["phone2"],
                    logged_in=request.cabinet,
                    confirmed_cabinet_id=confirmed_cabinet_id(wizard, iin),
                    now=now,
                )
                application = application_file(now=now, **arguments)
                for record in documents:
                    with document_open(record) as upload:
                        benefit_document_attach(application=application, upload=upload, now=now)
        except Refusal as error:
            if error.code == "cabinet_exists":
                # The IIN got a cabinet meanwhile (another wizard won the race): prove it first.
                wizard["cabinet"] = {"iin": wizard["child"]["applicant_iin"], "confirmed": False}
                wizard_put(request, wizard)
                return redirect("queues:apply_cabinet")
            if error.code in REFUSAL_FIELDS:
                wizard["refusal"] = error.code
                wizard_put(request, wizard)
                return redirect("queues:apply_child" if REFUSAL_FIELDS[error.code][0] == "child" else "queues:apply_benefit")
            refusal = error
        except OSError:
            # A waiting document is gone (removed after a day): attach them all again, and free the
            # rest of the folder so the leftovers do not count against the documents' limits.
            wizard_documents_drop(wizard)
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
    # Issue 11: the place in each queue right away (SPEC §4), as the cabinet shows it.
    application = Application.objects.filter(number=number).first()
    labels = dict(QueueKind.choices)
    positions = [(labels.get(kind, kind), position) for kind, position in application_positions(application).items()] if application else []
    return render(request, "queues/apply_done.html", {"number": number, "positions": positions})


@require_POST
def apply_cancel(request: HttpRequest) -> HttpResponse:
    """Start over: the wizard and its waiting documents are forgotten."""
    wizard_clear(request)
    messages.info(request, _("The application form was cleared."))
    return redirect(reverse("queues:apply"))
