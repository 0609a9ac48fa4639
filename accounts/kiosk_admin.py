"""Issue 11: the admin's "Pair a kiosk" page. Staff type (or scan, as a QR of this page with the
code) the code a new screen shows, choose an existing kiosk or a kindergarten and a name for a new
one, and confirm; the screen then takes its token by itself (accounts/kiosk_views.py). Guesses
are limited per staff member and per address."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.kiosks import PAIRING_CODE_LENGTH, kiosk_code_for, kiosk_pairing_confirm, pairing_code_normalize
from accounts.models import Kiosk
from core.errors import Refusal
from core.ratelimit import Limit, rate_limited_per
from placements.models import Kindergarten

GUESSES_PER_USER, GUESS_WINDOW = 10, 600  # 10 codes tried per staff member in 10 minutes


class KioskPairForm(forms.Form):
    code = forms.CharField(
        label=_("Code shown on the screen"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false", "autofocus": True}),
    )
    kiosk = forms.ModelChoiceField(
        label=_("An existing kiosk"),
        queryset=Kiosk.objects.select_related("kindergarten").order_by("kindergarten__name", "name"),
        required=False,
        help_text=_("Choose it to move the kiosk to this screen: its previous screen stops working."),
    )
    kindergarten = forms.ModelChoiceField(
        label=_("Kindergarten of a new kiosk"),
        queryset=Kindergarten.objects.select_related("locality").order_by("locality__name", "name"),
        required=False,
    )
    name = forms.CharField(label=_("Name of the new kiosk"), max_length=200, required=False, help_text=_("For example: hall, first floor."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kindergarten"].label_from_instance = lambda k: f"{k.locality} — {k}"

    def clean_code(self) -> str:
        code = pairing_code_normalize(self.cleaned_data["code"])
        if len(code) != PAIRING_CODE_LENGTH:
            raise forms.ValidationError(gettext("The code has %(length)d letters and digits.") % {"length": PAIRING_CODE_LENGTH})
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("kiosk") and not (data.get("kindergarten") and (data.get("name") or "").strip()):
            raise forms.ValidationError(gettext("Choose an existing kiosk, or a kindergarten and a name for a new one."))
        return data


def _guess_limits(request: HttpRequest, *args, **kwargs) -> list[Limit]:
    return [Limit(f"kiosk-pair:user:{request.user.pk}", GUESSES_PER_USER, GUESS_WINDOW)]


@rate_limited_per("kiosk-pair", limits=_guess_limits)
def kiosk_pair(request: HttpRequest, model_admin) -> HttpResponse:
    if not model_admin.may_pair(request):
        raise PermissionDenied
    form = KioskPairForm(request.POST or None, initial={"code": request.GET.get("code", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        kiosk = data["kiosk"] or Kiosk(
            code=kiosk_code_for(data["kindergarten"], data["code"]),
            name=data["name"].strip(),
            kindergarten=data["kindergarten"],
            created_by=request.user,
        )
        try:
            kiosk_pairing_confirm(code=data["code"], kiosk=kiosk, now=timezone.now(), by=request.user)
        except Refusal as refusal:
            form.add_error("code", refusal.message)
        else:
            messages.success(
                request,
                gettext("The screen is paired as kiosk “%(kiosk)s” of %(kindergarten)s: it opens by itself in a few seconds.")
                % {
                    "kiosk": kiosk.name,
                    "kindergarten": kiosk.kindergarten,
                },
            )
            return redirect("admin:accounts_kiosk_changelist")
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Kiosk._meta,
        "title": gettext("Pair a kiosk"),
        "form": form,
    }
    return TemplateResponse(request, "admin/accounts/kiosk/pair.html", context)
