"""The public pages' filters (GET) and the queue-check form (POST: an IIN never goes in a URL).

A filter that does not validate is simply not applied; the page shows the field's error.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from core.collation import name_key
from core.iin import iin_is_valid
from opendata.selectors.common import ACCESS_GENERAL, ACCESS_PRIORITY, current_language
from opendata.selectors.directions import age_groups
from opendata.selectors.queue_lists import queue_birth_years
from opendata.selectors.releases import EVENT_PUBLISHED, EVENT_WITHDRAWN
from placements.models import Direction, Group, Kindergarten
from queues.models import Locality, QueueKind

LANGUAGE_CHOICES = [("kk", _("Kazakh")), ("ru", _("Russian"))]


def _locality_choices() -> list[tuple[str, str]]:
    language = current_language()
    names = sorted(((loc.code, loc.display_name(language)) for loc in Locality.objects.all()), key=lambda pair: name_key(pair[1]))
    return [("", _("All localities")), *names]


def _kindergarten_choices(locality: str | None) -> list[tuple[str, str]]:
    language = current_language()
    qs = Kindergarten.objects.only("code", "name", "name_kk")
    if locality:
        qs = qs.filter(locality__code=locality)
    names = [(k.code, k.display_name(language)) for k in qs]
    # Kazakh alphabet and «№2» before «№11» (core.collation) for a locality's list; the whole country's
    # (up to 11,000 names, issue 9) keeps the cheaper case-folded order.
    names.sort(key=(lambda pair: name_key(pair[1])) if locality else (lambda pair: pair[1].casefold()))
    return [("", _("All kindergartens")), *names]


class FastSelect(forms.Select):
    """A <select> whose options are written in Python rather than one template render per option:
    at a country's size the filters list 240 localities and up to 11,000 kindergartens, which cost
    Django's per-option templates ~40 ms a page (issue 9). The same markup; no option groups."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> str:
        chosen = {str(v) for v in self.format_value(value)}
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((key, mark_safe(" selected") if str(key) in chosen else "", label) for key, label in self.choices),
        )
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(self.build_attrs(self.attrs, attrs)), options)


class FilterForm(forms.Form):
    """A GET filter: `filters()` gives the selector's keyword arguments for the valid, non-empty fields."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if type(field.widget) is forms.Select:
                field.widget = FastSelect(attrs=field.widget.attrs, choices=field.choices)

    def filters(self) -> dict[str, Any]:
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "", [], ())}

    def _chosen(self, name: str) -> str | None:
        return (self.data.get(name) or None) if self.is_bound else None

    @property
    def active_count(self) -> int:
        """How many filters the URL sets (the count on the folded filters' summary, issue 11)."""
        if not self.is_bound:
            return 0
        return sum(1 for name in self.fields if any(v not in ("", None) for v in self.data.getlist(name)))


class FreeSeatFilterForm(FilterForm):
    locality = forms.ChoiceField(label=_("Locality"), required=False)
    kindergarten = forms.ChoiceField(label=_("Kindergarten"), required=False)
    group = forms.ChoiceField(label=_("Group"), required=False)
    language = forms.ChoiceField(label=_("Language of instruction"), required=False, choices=[("", _("Any language")), *LANGUAGE_CHOICES])
    birth_year = forms.IntegerField(label=_("Birth year"), required=False, min_value=2000, max_value=2100)
    access = forms.ChoiceField(
        label=_("Access"),
        required=False,
        choices=[("", _("Priority and general")), (ACCESS_PRIORITY, _("Priority access")), (ACCESS_GENERAL, _("General access"))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["locality"].choices = _locality_choices()
        self.fields["kindergarten"].choices = _kindergarten_choices(self._chosen("locality"))
        kindergarten = self._chosen("kindergarten")
        groups = Group.objects.filter(kindergarten__code=kindergarten).order_by("age_from", "code") if kindergarten else Group.objects.none()
        self.fields["group"].choices = [("", _("All groups") if kindergarten else _("Choose a kindergarten first")), *((g.code, str(g)) for g in groups)]


class ReleaseFilterForm(FilterForm):
    locality = forms.ChoiceField(label=_("Locality"), required=False)
    kindergarten = forms.ChoiceField(label=_("Kindergarten"), required=False)
    date_from = forms.DateField(label=_("From (date)"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    date_to = forms.DateField(label=_("To (date)"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    event = forms.ChoiceField(
        label=_("Event"),
        required=False,
        choices=[("", _("Publications and withdrawals")), (EVENT_PUBLISHED, _("Publications")), (EVENT_WITHDRAWN, _("Withdrawals"))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["locality"].choices = _locality_choices()
        self.fields["kindergarten"].choices = _kindergarten_choices(self._chosen("locality"))


class DirectionFilterForm(FilterForm):
    q = forms.CharField(label=_("Search by kindergarten name"), required=False, max_length=100)
    locality = forms.ChoiceField(label=_("Locality"), required=False)
    language = forms.MultipleChoiceField(label=_("Languages of instruction"), required=False, choices=LANGUAGE_CHOICES, widget=forms.CheckboxSelectMultiple)
    age = forms.ChoiceField(label=_("Age group"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["locality"].choices = _locality_choices()
        self.fields["age"].choices = [
            ("", _("All age groups")),
            *((f"{a}-{b}", _("from %(age_from)s to %(age_to)s years") % {"age_from": a, "age_to": b}) for a, b in age_groups()),
        ]
        self.fields["status"].choices = [("", _("All statuses")), *Direction.Status.choices]

    def filters(self) -> dict[str, Any]:
        chosen = super().filters()
        out: dict[str, Any] = {key: chosen[key] for key in ("locality", "status") if key in chosen}
        if "q" in chosen:
            out["kindergarten_name"] = chosen["q"]
        if "language" in chosen:
            out["languages"] = chosen["language"]
        if "age" in chosen:
            age_from, age_to = chosen["age"].split("-")
            out["age"] = (int(age_from), int(age_to))
        return out


class QueueFilterForm(FilterForm):
    locality = forms.ChoiceField(label=_("Locality"), required=False)
    birth_year = forms.TypedChoiceField(label=_("Birth year"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(label=_("Queue"), required=False, choices=QueueKind.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["locality"].choices = _locality_choices()
        self.fields["birth_year"].choices = [("", _("All birth years")), *((str(y), str(y)) for y in queue_birth_years())]


class KindergartenFilterForm(FilterForm):
    name = forms.CharField(label=_("Search by name"), required=False, max_length=100)
    locality = forms.ChoiceField(label=_("Locality"), required=False)
    language = forms.ChoiceField(label=_("Language of instruction"), required=False, choices=[("", _("Any language")), *LANGUAGE_CHOICES])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["locality"].choices = _locality_choices()


class QueueCheckForm(forms.Form):
    """One field: a 12-digit IIN (the child's or the applicant's) or an application number."""

    query = forms.CharField(
        label=_("Child's IIN, applicant's IIN or application number"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": _("Enter an IIN or an application number.")},
    )

    def clean_query(self) -> tuple[str, Any]:
        """('iin', '…') or ('number', n); spaces and dashes people type are ignored."""
        value = "".join(ch for ch in self.cleaned_data["query"] if ch not in " -\u00a0")
        if not value.isdigit():
            raise forms.ValidationError(_("Enter digits only: a 12-digit IIN or an application number."), code="not_digits")
        if len(value) == 12:
            if not iin_is_valid(value):
                raise forms.ValidationError(_("This IIN is not valid: check its 12 digits."), code="invalid_iin")
            return ("iin", value)
        if len(value) > 12 or int(value) == 0:
            raise forms.ValidationError(_("An IIN has 12 digits; an application number is shorter."), code="invalid_number")
        return ("number", int(value))


class QueueCheckNumberForm(forms.Form):
    """The check by application number as a link (GET): a number is not personal data."""

    number = forms.IntegerField(
        min_value=1,
        max_value=10**11,
        error_messages={key: _("An application number is a whole number, 1 or more.") for key in ("required", "invalid", "min_value", "max_value")},
    )
