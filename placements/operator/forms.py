"""Forms of the operator cabinet. They check shapes only (a number, a date); the rules — which
birth years fit a group, which seats can be withdrawn, when a child can be enrolled — are the
services' (placements.seats, placements.directions), and their refusals are shown on these forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from placements.models import Direction, Group, Seat
from placements.operator.access import operator_kindergartens

MAX_RELEASE_COUNT = 100


class OperatorLoginForm(AuthenticationForm):
    """Django's login form (axes sees every attempt); an account bound to no kindergarten is refused."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "not_operator": _("This account is not bound to any kindergarten. Ask the education department to bind it."),
    }

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if not operator_kindergartens(user).exists():
            raise forms.ValidationError(self.error_messages["not_operator"], code="not_operator")


class GroupChoiceForm(forms.Form):
    """GET: which group to release seats of (its birth years depend on it)."""

    group = forms.ModelChoiceField(label=_("Group"), queryset=Group.objects.none(), to_field_name="code", empty_label=None)

    def __init__(self, *args: Any, groups: QuerySet[Group], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups
        self.fields["group"].label_from_instance = group_label


class ReleaseForm(forms.Form):
    # The select offers the years that fit the group now; seat_release decides (age_mismatch).
    birth_year = forms.IntegerField(label=_("Birth year"), widget=forms.Select)
    count = forms.IntegerField(
        label=_("Number of seats"),
        min_value=1,
        max_value=MAX_RELEASE_COUNT,
        initial=1,
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_RELEASE_COUNT}),
    )

    def __init__(self, *args: Any, birth_years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["birth_year"].widget.choices = [(year, str(year)) for year in birth_years]
        self.fields["birth_year"].help_text = _("Only the birth years that fit the group's age range in the current enrollment year.")


class SeatFilterForm(forms.Form):
    """GET filter of the seats page; a value that does not validate is simply not applied."""

    state = forms.ChoiceField(label=_("State"), required=False)
    group = forms.ModelChoiceField(label=_("Group"), queryset=Group.objects.none(), to_field_name="code", required=False, empty_label=_("All groups"))

    def __init__(self, *args: Any, groups: QuerySet[Group], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("All states")), *Seat.State.choices]
        self.fields["group"].queryset = groups
        self.fields["group"].label_from_instance = group_label

    def filters(self) -> dict[str, Any]:
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}


DIRECTION_ACTIVE = "active"


class DirectionFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Number, child's IIN or name"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "inputmode": "search"}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All directions")), (DIRECTION_ACTIVE, _("Active only")), *Direction.Status.choices]

    def status_filter(self) -> str | None:
        self.is_valid()
        return self.cleaned_data.get("status") or None

    def search_query(self) -> str:
        self.is_valid()
        return self.cleaned_data.get("q") or ""


class BulkWithdrawForm(forms.Form):
    """Issue 11: several seats of one group and a reason. The choices are the group's seats; which of
    them may still be withdrawn is the service's to decide (placements.seats.seats_withdraw)."""

    seats = forms.TypedMultipleChoiceField(label=_("Seats"), coerce=int, widget=forms.CheckboxSelectMultiple)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("For example: the group is merged, a room is being repaired. It is kept in the history."),
    )

    def __init__(self, *args: Any, seat_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["seats"].choices = [(pk, f"#{pk}") for pk in seat_ids]
        self.fields["seats"].error_messages["required"] = _("Choose at least one seat to withdraw.")


class EnrollForm(forms.Form):
    contract_number = forms.CharField(label=_("Contract number"), max_length=64)
    contract_date = forms.DateField(label=_("Contract date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class FlagDocumentsForm(forms.Form):
    note = forms.CharField(
        label=_("Which documents are missing"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The education department sees this note on the direction and contacts the family."),
    )


def group_label(group: Group) -> str:
    return gettext("%(group)s: %(age_from)s–%(age_to)s years, %(language)s, %(kind)s") % {
        "group": group,
        "age_from": group.age_from,
        "age_to": group.age_to,
        "language": group.get_language_display(),
        "kind": group.get_kind_display(),
    }
