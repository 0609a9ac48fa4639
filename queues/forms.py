"""Forms of the parent's pages: what was typed, in the right shape. The rules of SPEC §3 and §7
are the services'; a refusal is put next to its field by the view."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from accounts.forms import NO_AUTOFILL
from core.collation import name_key
from core.errors import Refusal
from core.iin import iin_format_message, iin_is_valid
from core.phones import phone_clean
from core.validators import validate_person_name
from queues.models import (
    EXTRAORDINARY_CATEGORIES,
    Benefit,
    BenefitCategory,
    Channel,
    Language,
    Locality,
    QueueKind,
)

IIN_ATTRS = {**NO_AUTOFILL, "inputmode": "numeric", "pattern": "[0-9]{12}", "maxlength": "12"}
PHONE_ATTRS = {"inputmode": "tel", "autocomplete": "tel", "placeholder": "+7 701 123 45 67"}


def phone_field(label) -> forms.CharField:
    return forms.CharField(label=label, max_length=24, widget=forms.TextInput(attrs=PHONE_ATTRS))


def iin_clean(value: str, code: str, today: dt.date) -> str:
    """An IIN field's value checked: its format said plainly, then its check digit and date."""
    value = (value or "").strip()
    if (message := iin_format_message(value)) is not None:
        raise forms.ValidationError(message, code=code)  # "12 digits; you entered 10" (issue 11)
    if not iin_is_valid(value, today=today):
        raise forms.ValidationError(Refusal(code).message, code=code)
    return value


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the SMS"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(attrs={**NO_AUTOFILL, "inputmode": "numeric", "pattern": "[0-9]{6}", "autocomplete": "one-time-code"}),
    )


# --- applying (SPEC §3) ------------------------------------------------------------------------------


class ApplyPhoneForm(forms.Form):
    """One of the two mobile phones; a code goes to it."""

    phone = phone_field(_("Mobile phone"))

    def __init__(self, *args, other_phone: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.other_phone = other_phone

    def clean_phone(self) -> str:
        phone = phone_clean(self.cleaned_data["phone"])
        if phone == self.other_phone:
            raise forms.ValidationError(Refusal("same_phones").message, code="same_phones")
        return phone


class PersonNameField(forms.CharField):
    """A surname, first name or patronymic, checked and tidied by core.validators (issue 11)."""

    def clean(self, value):
        value = super().clean(value)
        return validate_person_name(value) if value else value


class FormPart:
    """Some fields of a form, for `_form_fields.html`: one form shown in several fieldsets."""

    def __init__(self, form: forms.Form, names: tuple[str, ...], *, with_form_errors: bool = False) -> None:
        self.form, self.names, self.with_form_errors = form, names, with_form_errors

    def visible_fields(self) -> list[forms.BoundField]:
        return [self.form[name] for name in self.names]

    def hidden_fields(self) -> list[forms.BoundField]:
        return []

    def non_field_errors(self):
        return self.form.non_field_errors() if self.with_form_errors else []


class ApplyChildForm(forms.Form):
    """Step 2: the applicant and the child. The birth date is the one the child's IIN encodes."""

    # No min/max length: a short IIN gets core.iin's own message, not Django's generic one (issue 11).
    applicant_iin = forms.CharField(label=_("Your IIN (the applicant's)"), widget=forms.TextInput(attrs=IIN_ATTRS))
    applicant_last_name = PersonNameField(label=_("Your surname"))
    applicant_first_name = PersonNameField(label=_("Your first name"))
    applicant_middle_name = PersonNameField(label=_("Your patronymic (if any)"), required=False)
    child_iin = forms.CharField(
        label=_("Child's IIN"),
        help_text=_("The birth date is taken from the IIN."),
        widget=forms.TextInput(
            attrs={
                **IIN_ATTRS,
                # htmx shows the birth date as it is typed (POST: the IIN never goes into a URL).
                "hx-post": reverse_lazy("queues:apply_birth_date"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": "#child-birth-date",
                "hx-params": "child_iin",
                "aria-describedby": "child-birth-date",
            }
        ),
    )
    child_last_name = PersonNameField(label=_("Child's surname"))
    child_first_name = PersonNameField(label=_("Child's first name"))
    child_middle_name = PersonNameField(label=_("Child's patronymic (if any)"), required=False)
    # Offered once the IIN shows the child over age (SPEC §3: SEN with a PMPK conclusion is queued at any age).
    sen_pmpk = forms.BooleanField(label=_("The child has special educational needs and a PMPK conclusion"), required=False)
    birth_certificate = forms.CharField(label=_("Birth certificate number"), max_length=32)
    locality = forms.ChoiceField(label=_("Locality"))
    address = forms.CharField(label=_("Address (street, house, flat)"), max_length=300)

    def __init__(self, *args, today: dt.date, language: str, cabinet_iin: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.cabinet_iin = cabinet_iin
        if cabinet_iin:
            # Logged in, the parent applies as the cabinet's owner: the IIN is fixed (issue 8).
            self.initial["applicant_iin"] = cabinet_iin
            self.fields["applicant_iin"].disabled = True
        localities = sorted(((loc.code, loc.display_name(language)) for loc in Locality.objects.all()), key=lambda pair: name_key(pair[1]))
        self.fields["locality"].choices = [("", "—"), *localities]

    def applicant_part(self) -> FormPart:
        return FormPart(self, ("applicant_iin", "applicant_last_name", "applicant_first_name", "applicant_middle_name"), with_form_errors=True)

    def child_iin_part(self) -> FormPart:
        return FormPart(self, ("child_iin",))

    def child_part(self) -> FormPart:
        return FormPart(self, ("child_last_name", "child_first_name", "child_middle_name", "birth_certificate"))

    def sen_part(self) -> FormPart | None:
        """The SEN and PMPK box, only for a child found over age (or one it was ticked for)."""
        if self.has_error("child_iin", "over_age") or self["sen_pmpk"].value():
            return FormPart(self, ("sen_pmpk",))
        return None

    def address_part(self) -> FormPart:
        return FormPart(self, ("locality", "address"))

    def clean_applicant_iin(self) -> str:
        typed = (self.data.get(self.add_prefix("applicant_iin")) or "").strip() if self.is_bound else ""
        if self.cabinet_iin and typed not in ("", self.cabinet_iin):
            raise forms.ValidationError(Refusal("applicant_not_cabinet").message, code="applicant_not_cabinet")
        return iin_clean(self.cleaned_data["applicant_iin"], "invalid_applicant_iin", self.today)

    def clean_child_iin(self) -> str:
        return iin_clean(self.cleaned_data["child_iin"], "invalid_iin", self.today)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


def category_choices() -> list:
    labels = dict(BenefitCategory.choices)
    extraordinary = [(c, labels[c]) for c in BenefitCategory.values if c in EXTRAORDINARY_CATEGORIES]
    priority = [(c, labels[c]) for c in BenefitCategory.values if c not in EXTRAORDINARY_CATEGORIES]
    return [("", "—"), (_("Extraordinary"), extraordinary), (_("Priority"), priority)]


class ApplyBenefitForm(forms.Form):
    """Step 3: benefit and its documents, SEN and the extra queues, how to be notified."""

    benefit = forms.ChoiceField(
        label=_("Benefit"),
        choices=[
            (Benefit.NONE, _("No benefit")),
            (Benefit.PRIORITY, _("Priority (первоочередное / бірінші кезекте)")),
            (Benefit.EXTRAORDINARY, _("Extraordinary (внеочередное / кезектен тыс)")),
        ],
        initial=Benefit.NONE,
        widget=forms.RadioSelect,
    )
    benefit_category = forms.ChoiceField(label=_("Benefit category"), choices=category_choices, required=False)
    documents = MultipleFileField(
        label=_("Documents confirming the benefit"),
        required=False,
        help_text=_("PDF, JPEG or PNG, at most 5 MB each. Required for an extraordinary benefit."),
    )
    sen_pmpk = forms.BooleanField(label=_("The child has special educational needs and a PMPK conclusion"), required=False)
    queues = forms.MultipleChoiceField(
        label=_("Also stand in these queues (only with SEN and a PMPK conclusion)"),
        choices=[(QueueKind.SPECIAL, QueueKind.SPECIAL.label), (QueueKind.SANATORIUM, QueueKind.SANATORIUM.label)],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    channel = forms.ChoiceField(label=_("Notify me by"), choices=Channel.choices, initial=Channel.SMS, widget=forms.RadioSelect)
    email = forms.EmailField(label=_("E-mail"), required=False, help_text=_("Required for notifications by e-mail."))
    language = forms.ChoiceField(label=_("Language of the messages"), choices=Language.choices, widget=forms.RadioSelect)

    def __init__(self, *args, documents_attached: int = 0, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.documents_attached = documents_attached

    def clean(self) -> dict:
        data = super().clean()
        benefit = data.get("benefit")
        if benefit and benefit != Benefit.NONE and not data.get("benefit_category"):
            self.add_error("benefit_category", _("Choose the category of the benefit."))
        if benefit == Benefit.EXTRAORDINARY and not (data.get("documents") or self.documents_attached):
            self.add_error("documents", _("Attach a document confirming the extraordinary benefit."))
        if data.get("channel") == Channel.EMAIL and not data.get("email"):
            self.add_error("email", _("Enter the e-mail address for the notifications."))
        return data


# --- the cabinet's confirmations (SPEC §7, §3) -------------------------------------------------------


class SendCodeForm(forms.Form):
    """Which of the cabinet's phones gets the code."""

    to = forms.ChoiceField(label=_("Send the code to"), widget=forms.RadioSelect)

    def __init__(self, *args, phones: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = phones
        self.fields["to"].initial = phones[0][0] if phones else None


class PhoneChangeForm(forms.Form):
    """SPEC §3: which of the cabinet's numbers to replace and the new one; codes go to both."""

    slot = forms.ChoiceField(label=_("Number to replace"), widget=forms.RadioSelect)
    phone = phone_field(_("New mobile phone"))

    def __init__(self, *args, phones: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slot"].choices = phones
        self.fields["slot"].initial = phones[0][0] if phones else None

    def clean_phone(self) -> str:
        return phone_clean(self.cleaned_data["phone"])


def _code_field(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        min_length=6,
        max_length=6,
        widget=forms.TextInput(attrs={**NO_AUTOFILL, "inputmode": "numeric", "pattern": "[0-9]{6}", "autocomplete": "one-time-code"}),
    )


class PhoneChangeCodeForm(forms.Form):
    """The code sent to the number replaced and the one sent to the new number; a field only for a
    code not yet confirmed (the masked number it went to is the label)."""

    def __init__(self, *args, old_phone: str, new_phone: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, phone in (("code_old", old_phone), ("code_new", new_phone)):
            if phone:
                self.fields[name] = _code_field(_("Enter the code sent to %(phone)s.") % {"phone": phone})
