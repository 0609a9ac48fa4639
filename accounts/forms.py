from django import forms
from django.utils.translation import gettext_lazy as _

from core.iin import iin_format_message
from core.phones import phone_hidden

NO_AUTOFILL = {"autocomplete": "off", "autocapitalize": "off", "spellcheck": "false"}


def phone_choices(cabinet) -> list[tuple[str, str]]:
    """[(slot, hidden number)] of the cabinet's own phones: its codes never go to a phone typed into an application."""
    return [(slot, phone_hidden(phone)) for slot, phone in cabinet.phone_slots()]


class IinForm(forms.Form):
    iin = forms.CharField(
        label=_("Your IIN (the applicant's)"),
        widget=forms.TextInput(attrs={**NO_AUTOFILL, "inputmode": "numeric", "pattern": "[0-9]{12}", "maxlength": "12"}),
    )

    def clean_iin(self) -> str:
        """A short, long or non-digit IIN gets core.iin's own message, not Django's generic one (issue 11)."""
        iin = self.cleaned_data["iin"].strip()
        if (message := iin_format_message(iin)) is not None:
            raise forms.ValidationError(message, code="invalid_iin")
        return iin


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the SMS"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(attrs={**NO_AUTOFILL, "inputmode": "numeric", "pattern": "[0-9]{6}", "autocomplete": "one-time-code"}),
    )


class ResendCodeForm(forms.Form):
    """Which of the cabinet's phones gets a new code."""

    to = forms.ChoiceField(label=_("Send the code to"), widget=forms.RadioSelect)

    def __init__(self, *args, phones: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = phones


class PasswordForm(forms.Form):
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class NewPasswordForm(forms.Form):
    password = forms.CharField(label=_("New password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("New password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("password") != data.get("password2"):
            raise forms.ValidationError(_("The two passwords differ."))
        return data
