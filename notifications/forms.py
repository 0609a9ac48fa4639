from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.phones import phone_digits


class DemoPhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Phone number"), max_length=32, widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": "+7 701 123 45 67"})
    )

    def clean_phone(self) -> str:
        digits = phone_digits(self.cleaned_data["phone"])
        if not 10 <= len(digits) <= 15:
            raise forms.ValidationError(_("Enter a phone number, e.g. +7 701 123 45 67."))
        return digits
