"""The clerk's pages inside the applications admin (issue 11, item 6): a walk-in filing in two
steps (the form, then the codes the parent reads out), a benefit decision for one application,
and the correction of phones and IINs. Views only: every rule is in queues/desk.py and
queues/services.py. The walk-in lives in the session (no personal data in a URL)."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin import ModelAdmin
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.calendar import local
from core.errors import Refusal
from core.phones import phone_clean, phone_hidden
from placements import application_actions
from queues.desk import application_contacts_correct, application_file_at_desk, desk_code_send, desk_phones_to_confirm
from queues.documents import (
    MAX_DOCUMENTS,
    document_sniff,
    documents_budget_check,
    pending_document_path,
    pending_document_store,
    pending_folder_name,
    pending_folder_remove,
)
from queues.forms import MultipleFileField, PersonNameField, category_choices, iin_clean
from queues.models import Application, Benefit, BenefitCategory, BenefitStatus, Channel, Language, Locality, QueueKind

SESSION_KEY = "desk_filing"
PERMISSION = "queues.file_at_desk"


# --- forms --------------------------------------------------------------------------------------------


class DeskFilingForm(forms.Form):
    """Step 1: what the parent brought to the desk. The service checks the rest (SPEC §3)."""

    child_iin = forms.CharField(label=_("Child's IIN"), max_length=20, help_text=_("The birth date is taken from the IIN."))
    child_last_name = PersonNameField(label=_("Child's surname"))
    child_first_name = PersonNameField(label=_("Child's first name"))
    child_middle_name = PersonNameField(label=_("Child's patronymic (if any)"), required=False)
    birth_certificate = forms.CharField(label=_("Birth certificate number"), max_length=32, required=False)
    locality = forms.ModelChoiceField(label=_("Locality"), queryset=Locality.objects.all(), to_field_name="code")
    applicant_iin = forms.CharField(label=_("Applicant's IIN"), max_length=20)
    applicant_last_name = PersonNameField(label=_("Applicant's surname"))
    applicant_first_name = PersonNameField(label=_("Applicant's first name"))
    applicant_middle_name = PersonNameField(label=_("Applicant's patronymic (if any)"), required=False)
    phone = forms.CharField(label=_("Mobile phone"), max_length=24, widget=forms.TextInput(attrs={"inputmode": "tel", "placeholder": "+7 701 123 45 67"}))
    phone2 = forms.CharField(label=_("Second mobile phone (if any)"), max_length=24, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"}))
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    benefit = forms.ChoiceField(label=_("Benefit"), choices=Benefit.choices, initial=Benefit.NONE)
    benefit_category = forms.ChoiceField(label=_("Benefit category"), choices=category_choices, required=False)
    documents = MultipleFileField(label=_("Documents confirming the benefit"), required=False, help_text=_("PDF, JPEG or PNG, at most 5 MB each."))
    sen_pmpk = forms.BooleanField(label=_("Special educational needs with a PMPK conclusion"), required=False)
    queues = forms.MultipleChoiceField(
        label=_("Also in these queues (only with SEN and a PMPK conclusion)"),
        choices=[(QueueKind.SPECIAL, QueueKind.SPECIAL.label), (QueueKind.SANATORIUM, QueueKind.SANATORIUM.label)],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    channel = forms.ChoiceField(label=_("Notify by"), choices=Channel.choices, initial=Channel.SMS)
    email = forms.EmailField(label=_("E-mail"), required=False)
    language = forms.ChoiceField(label=_("Language of the messages"), choices=Language.choices, initial=Language.KK)

    def clean_child_iin(self) -> str:
        return iin_clean(self.cleaned_data["child_iin"], "invalid_iin", local(timezone.now()).date())

    def clean_applicant_iin(self) -> str:
        return iin_clean(self.cleaned_data["applicant_iin"], "invalid_applicant_iin", local(timezone.now()).date())

    def clean_phone(self) -> str:
        return phone_clean(self.cleaned_data["phone"])

    def clean_phone2(self) -> str:
        return phone_clean(self.cleaned_data["phone2"], required=False)

    def clean_documents(self) -> list:
        documents = self.cleaned_data["documents"]
        total = 0
        for count, upload in enumerate(documents):
            try:
                document_sniff(upload)
                documents_budget_check(count=count, total=total, size=upload.size)
            except Refusal as refusal:
                raise forms.ValidationError(refusal.message, code=refusal.code) from refusal
            total += upload.size
        return documents

    def clean(self) -> dict:
        data = super().clean()
        benefit = data.get("benefit")
        if data.get("phone") and data.get("phone") == data.get("phone2"):
            self.add_error("phone2", Refusal("same_phones").message)
        if benefit and benefit != Benefit.NONE:
            if not data.get("benefit_category"):
                self.add_error("benefit_category", _("Choose the category of the benefit."))
            if not data.get("documents") and "documents" not in self.errors:
                self.add_error("documents", _("Attach a document confirming the benefit."))
        if data.get("channel") == Channel.EMAIL and not data.get("email"):
            self.add_error("email", _("Enter the e-mail address for the notifications."))
        return data

    def filing(self) -> dict[str, Any]:
        """application_file's arguments (JSON-safe: they wait in the session)."""
        data = self.cleaned_data
        claimed = data["benefit"] != Benefit.NONE
        names = ("child_iin", "child_last_name", "child_first_name", "child_middle_name", "birth_certificate", "applicant_iin")
        names += ("applicant_last_name", "applicant_first_name", "applicant_middle_name", "phone", "phone2", "email", "address", "channel", "language")
        return {
            **{name: data[name] for name in names},
            "locality_code": data["locality"].code,
            "benefit": data["benefit"],
            "benefit_category": data["benefit_category"] if claimed else "",
            "sen_pmpk": data["sen_pmpk"],
            "queues": ["general", *data["queues"]],
        }


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=500, required=False)


class ContactsForm(forms.Form):
    """Phones and IINs, corrected through queues.desk.application_contacts_correct only."""

    child_iin = forms.CharField(label=_("Child's IIN"), max_length=20)
    applicant_iin = forms.CharField(label=_("Applicant's IIN"), max_length=20)
    phone = forms.CharField(label=_("Mobile phone"), max_length=24)
    phone2 = forms.CharField(label=_("Second mobile phone"), max_length=24, required=False, help_text=_("Left empty: the second phone stays as it is."))
    reason = forms.CharField(label=_("Reason for the change"), widget=forms.Textarea(attrs={"rows": 3}), max_length=500)


# --- the walk-in filing ----------------------------------------------------------------------------------


def _pending_open(record: dict[str, Any]) -> File:
    path = pending_document_path(folder=record["folder"], token=record["token"], extension=record["extension"])
    return File(open(path, "rb"), name=record["name"])


def _desk_clear(request: HttpRequest) -> None:
    desk = request.session.pop(SESSION_KEY, None)
    if desk and desk.get("folder"):
        with contextlib.suppress(ValueError):
            pending_folder_remove(folder=desk["folder"])


def _codes_send(desk: dict[str, Any], phones: list[str], now: dt.datetime) -> list[str]:
    """Send a code to each phone; the refusals (too soon, the hourly limit), one line per phone."""
    errors = []
    for phone in phones:
        try:
            desk_code_send(phone=phone, language=desk["filing"]["language"], now=now)
        except Refusal as refusal:
            errors.append(f"{phone_hidden(phone)}: {refusal.message}")
        else:
            desk["sent"] = sorted({*desk.get("sent", []), phone})
    return errors


def _context(model_admin: ModelAdmin, request: HttpRequest, title: str, **extra: Any) -> dict[str, Any]:
    return {**model_admin.admin_site.each_context(request), "title": title, "opts": model_admin.model._meta, **extra}


def desk_filing_view(model_admin: ModelAdmin, request: HttpRequest) -> HttpResponse:
    """Step 1: the form. Its documents wait in a private folder; a code goes to every phone."""
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    desk = request.session.get(SESSION_KEY)
    if request.method == "POST":
        form = DeskFilingForm(request.POST, request.FILES)
        if form.is_valid():
            _desk_clear(request)
            now = timezone.now()
            folder = pending_folder_name()
            records = []
            for upload in form.cleaned_data["documents"] if form.cleaned_data["benefit"] != Benefit.NONE else []:
                content_type, extension = document_sniff(upload)
                token = pending_document_store(folder=folder, upload=upload, extension=extension)
                records.append({"folder": folder, "token": token, "extension": extension, "name": (upload.name or "document")[:255], "type": content_type})
            filing = form.filing()
            desk = {"filing": filing, "documents": records, "folder": folder, "sent": []}
            desk["phones"] = desk_phones_to_confirm(applicant_iin=filing["applicant_iin"], phone=filing["phone"], phone2=filing["phone2"])
            for error in _codes_send(desk, desk["phones"], now):
                messages.error(request, error)
            request.session[SESSION_KEY] = desk
            return HttpResponseRedirect(reverse("admin:queues_application_desk_codes"))
    elif desk and request.GET.get("edit"):
        form = DeskFilingForm(initial={**desk["filing"], "locality": desk["filing"]["locality_code"], "queues": desk["filing"]["queues"][1:]})
    else:
        form = DeskFilingForm(initial={"language": Language.KK})
    context = _context(model_admin, request, gettext("File an application at the desk"), form=form, max_documents=MAX_DOCUMENTS)
    return TemplateResponse(request, "admin/queues/application/desk_filing.html", context)


def desk_codes_view(model_admin: ModelAdmin, request: HttpRequest) -> HttpResponse:
    """Step 2: the codes the parent reads out, one per phone; then the filing (queues/desk.py)."""
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    desk = request.session.get(SESSION_KEY)
    if not desk:
        return HttpResponseRedirect(reverse("admin:queues_application_desk"))
    phones: list[str] = desk["phones"]
    codes = {phone: (request.POST.get(f"code_{index}") or "").strip() for index, phone in enumerate(phones)}
    errors: dict[str, str] = {}
    refusal: Refusal | None = None
    if request.method == "POST" and "cancel" in request.POST:
        _desk_clear(request)
        messages.info(request, gettext("The application was not filed; the form was cleared."))
        return HttpResponseRedirect(reverse("admin:queues_application_changelist"))
    if request.method == "POST" and "resend" in request.POST:
        index = request.POST.get("resend", "")
        chosen = [phones[int(index)]] if index.isdigit() and int(index) < len(phones) else []
        send_errors = _codes_send(desk, chosen, timezone.now())
        for error in send_errors:
            messages.error(request, error)
        if chosen and not send_errors:
            messages.info(request, gettext("A new code was sent to %(phone)s.") % {"phone": phone_hidden(chosen[0])})
        request.session[SESSION_KEY] = desk
        return HttpResponseRedirect(reverse("admin:queues_application_desk_codes"))
    if request.method == "POST" and "file" in request.POST:
        now = timezone.now()
        files = [_pending_open(record) for record in desk["documents"]]
        try:
            application = application_file_at_desk(filing=desk["filing"], codes=codes, documents=files, now=now)
        except Refusal as error:
            if getattr(error, "phone", None):
                errors[error.phone] = error.message
            else:
                refusal = error
        except OSError:
            refusal = Refusal("bad_document")  # a waiting document vanished: attach them again
        else:
            _desk_clear(request)
            messages.success(request, gettext("Application No. %(number)s is filed.") % {"number": application.number})
            return HttpResponseRedirect(reverse("admin:queues_application_change", args=[application.pk]))
        finally:
            for file in files:
                file.close()
    filing = desk["filing"]
    rows = [
        {
            "index": index,
            "phone": phone_hidden(phone),
            "cabinet": phone not in (filing["phone"], filing["phone2"]),  # the cabinet's own phone (issue 8)
            "error": errors.get(phone),
            "sent": phone in desk.get("sent", []),
        }
        for index, phone in enumerate(phones)
    ]
    context = _context(
        model_admin,
        request,
        gettext("Codes from the parent's phones"),
        filing=filing,
        locality=Locality.objects.filter(code=filing["locality_code"]).first(),
        benefit=dict(Benefit.choices).get(filing["benefit"]),
        category=dict(BenefitCategory.choices).get(filing["benefit_category"]) if filing["benefit_category"] else None,
        documents=desk["documents"],
        rows=rows,
        refusal=refusal,
    )
    return TemplateResponse(request, "admin/queues/application/desk_codes.html", context)


# --- one application's benefit decision, and its phones and IINs ------------------------------------


def benefit_decision_view(model_admin: ModelAdmin, request: HttpRequest, object_id: str, decision: str) -> HttpResponse:
    """Confirm or reject one application's claimed benefit: the category and the documents on the
    page, a reason (required to reject); the same services as the bulk action (SPEC §3, §7)."""
    application = get_object_or_404(Application.objects.select_related("locality"), pk=object_id)
    if not model_admin.has_change_permission(request, application):
        raise PermissionDenied
    change_url = reverse("admin:queues_application_change", args=[application.pk])
    form = ReasonForm(request.POST or None)
    if decision == "reject":
        form.fields["reason"].required = True
    if request.method == "POST" and form.is_valid():
        service = application_actions.benefit_confirm if decision == "confirm" else application_actions.benefit_reject
        try:
            service(application=application, now=timezone.now(), reason=form.cleaned_data["reason"])
        except Refusal as refusal:
            messages.error(request, refusal.message)
        else:
            done = gettext("The benefit is confirmed.") if decision == "confirm" else gettext("The benefit is rejected.")
            messages.success(request, done)
        return HttpResponseRedirect(change_url)
    title = gettext("Confirm the benefit") if decision == "confirm" else gettext("Reject the benefit")
    context = _context(
        model_admin,
        request,
        title,
        application=application,
        original=application,
        form=form,
        decision=decision,
        pending=application.benefit_status == BenefitStatus.CLAIMED,
        change_url=change_url,
    )
    return TemplateResponse(request, "admin/queues/application/benefit_decision.html", context)


def contacts_view(model_admin: ModelAdmin, request: HttpRequest, object_id: str) -> HttpResponse:
    """Change the phones or IINs: a reason, the service's checks, an audit record (issue 11)."""
    application = get_object_or_404(Application, pk=object_id)
    if not model_admin.has_change_permission(request, application):
        raise PermissionDenied
    change_url = reverse("admin:queues_application_change", args=[application.pk])
    initial = {"child_iin": application.child_iin, "applicant_iin": application.applicant_iin, "phone": application.phone, "phone2": application.phone2}
    form = ContactsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            application_contacts_correct(
                application=application,
                reason=data["reason"],
                now=timezone.now(),
                phone=data["phone"],
                phone2=data["phone2"],
                child_iin=data["child_iin"],
                applicant_iin=data["applicant_iin"],
            )
        except Refusal as refusal:
            field = {
                "invalid_iin": "child_iin",
                "birth_date_mismatch": "child_iin",
                "duplicate": "child_iin",
                "invalid_applicant_iin": "applicant_iin",
                "cabinet_other_family": "applicant_iin",
                "invalid_phone": "phone",
                "same_phones": "phone2",
                "reason_required": "reason",
            }.get(refusal.code)
            form.add_error(field, refusal.message)
        else:
            messages.success(request, gettext("The change is saved and recorded in the audit trail."))
            return HttpResponseRedirect(change_url)
    context = _context(model_admin, request, gettext("Change phones or IINs"), application=application, original=application, form=form, change_url=change_url)
    return TemplateResponse(request, "admin/queues/application/contacts.html", context)
