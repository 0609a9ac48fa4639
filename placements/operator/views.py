"""The kindergarten operator's cabinet (SPEC §10): own kindergartens only — groups, release and
withdraw seats, the directions to them, enroll, flag missing documents.

Every view requires login and finds its object through placements.operator.access (another
kindergarten's object is a 404); every change goes through a placements service (seats, directions).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from core.calendar import enrollment_year
from core.errors import Refusal
from core.htmx import wants_fragment
from core.once import form_once
from placements.directions import direction_enroll, direction_flag_documents
from placements.models import Direction, Kindergarten
from placements.operator.access import (
    get_direction_for_operator,
    get_kindergarten_for_operator,
    get_seat_for_operator,
    group_of_kindergarten,
    kindergartens_for_operator,
    operator_login_required,
)
from placements.operator.confirmations import release_confirmation
from placements.operator.forms import DirectionFilterForm, EnrollForm, FlagDocumentsForm, GroupChoiceForm, ReleaseForm, SeatFilterForm
from placements.operator.selectors import (
    UNCLAIMED_STATES,
    benefit_checks,
    directions_search,
    fitting_birth_years,
    history_rows,
    kindergarten_directions,
    kindergarten_history,
    kindergarten_seats,
    kindergartens_overview,
)
from placements.seats import seat_release, seat_release_check, seat_withdraw
from placements.selectors import effective_state, group_room

PAGE_SIZE = 50

# The one-time token scopes of the forms that change something (core/once.py): a double press or a
# resend is carried out once, and lands on the result of the first sending.
RELEASE_FORM = "operator-release"
WITHDRAW_FORM = "operator-seat-withdraw"
ENROLL_FORM = "operator-enroll"
FLAG_FORM = "operator-flag-documents"


def _page(request: HttpRequest, items) -> dict[str, Any]:
    page_obj = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return {"page_obj": page_obj, "page_range": page_obj.paginator.get_elided_page_range(page_obj.number, on_each_side=2, on_ends=1)}


def _kindergarten_page(request: HttpRequest, kindergarten: Kindergarten, section: str, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, template, {"kindergarten": kindergarten, "section": section, **context})


# --- dashboard ---------------------------------------------------------------------------------


@operator_login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    kindergartens = kindergartens_for_operator(request)
    context = {"overviews": kindergartens_overview(kindergartens=kindergartens, now=now), "enrollment_year": enrollment_year(now), "section": "dashboard"}
    return render(request, "operator/dashboard.html", context)


# --- seats (SPEC §5) ---------------------------------------------------------------------------


@operator_login_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def release(request: HttpRequest, code: str) -> HttpResponse:
    kindergarten = get_kindergarten_for_operator(request, code)
    groups = kindergarten.groups.order_by("age_from", "code")
    chosen = request.POST.get("group") or request.GET.get("group")
    group = group_of_kindergarten(request, kindergarten, chosen) if chosen else groups.first()
    if group is None:
        return _kindergarten_page(request, kindergarten, "release", "operator/release.html", {"group": None})
    now = timezone.now()
    year = enrollment_year(now)
    form = ReleaseForm(request.POST if request.method == "POST" else None, birth_years=fitting_birth_years(group, year))
    released_url = f"{reverse('operator:seats', args=[kindergarten.code])}?state=released&group={group.code}"
    if request.method == "POST" and form.is_valid():
        birth_year, count = form.cleaned_data["birth_year"], form.cleaned_data["count"]
        try:
            if not request.POST.get("confirm"):  # issue 11: first say what will happen, and when
                seat_release_check(group=group, birth_year=birth_year, count=count, now=now)
                context = {"group": group, "birth_year": birth_year, "count": count, **release_confirmation(group, birth_year, count, now)}
                return _kindergarten_page(request, kindergarten, "release", "operator/release_confirm.html", context)
            with form_once(request, scope=RELEASE_FORM, now=now):
                seat_release(group=group, birth_year=birth_year, count=count, now=now, by=request.user)
        except Refusal as refusal:
            if refusal.code == "form_resent":
                messages.info(request, refusal.message)
                return redirect(released_url)
            form.add_error({"age_mismatch": "birth_year", "form_token_invalid": None}.get(refusal.code, "count"), refusal.message)
        else:
            text = ngettext(
                "%(count)d seat of group %(group)s for children born in %(year)d is released. It will be published in the 18:00 bulletin.",
                "%(count)d seats of group %(group)s for children born in %(year)d are released. They will be published in the 18:00 bulletin.",
                count,
            )
            messages.success(request, text % {"count": count, "group": group, "year": birth_year})
            return redirect(released_url)
    context = {
        "group": group,
        "chooser": GroupChoiceForm(initial={"group": group}, groups=groups),
        "form": form,
        "enrollment_year": year,
        "room": group_room(group=group, now=now),
    }
    template = "operator/_release_form.html" if wants_fragment(request) else "operator/release.html"
    return _kindergarten_page(request, kindergarten, "release", template, context)


@operator_login_required
@require_GET
@vary_on_headers("HX-Request")
def seats(request: HttpRequest, code: str) -> HttpResponse:
    kindergarten = get_kindergarten_for_operator(request, code)
    form = SeatFilterForm(request.GET, groups=kindergarten.groups.order_by("age_from", "code"))
    listing = kindergarten_seats(kindergarten=kindergarten, now=timezone.now(), **form.filters())
    context = {"form": form, "unclaimed_states": UNCLAIMED_STATES, **_page(request, listing)}
    template = "operator/_seats.html" if wants_fragment(request) else "operator/seats.html"
    return _kindergarten_page(request, kindergarten, "seats", template, context)


@operator_login_required
@require_http_methods(["GET", "POST"])
def seat_withdraw_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST withdraws through seat_withdraw (SPEC §5)."""
    seat = get_seat_for_operator(request, pk)
    kindergarten = seat.group.kindergarten
    now = timezone.now()
    if request.method == "POST":
        try:
            with form_once(request, scope=WITHDRAW_FORM, now=now):
                seat_withdraw(seat=seat, now=now, by=request.user)
        except Refusal as refusal:
            if refusal.code == "form_token_invalid":  # the confirmation again, with a fresh token
                messages.error(request, refusal.message)
                return redirect("operator:seat_withdraw", pk=seat.pk)
            if refusal.code == "form_resent":
                messages.info(request, refusal.message)
            else:
                messages.error(request, refusal.message)
        else:
            messages.success(request, _("Seat #%(seat)s is withdrawn. It is recorded in the release protocol.") % {"seat": seat.pk})
        return redirect(f"{reverse('operator:seats', args=[kindergarten.code])}?group={seat.group.code}")
    state = effective_state(seat, now)
    context = {"seat": seat, "current_state": state, "withdrawable": state in UNCLAIMED_STATES}
    return _kindergarten_page(request, kindergarten, "seats", "operator/seat_withdraw.html", context)


# --- directions (SPEC §7) ----------------------------------------------------------------------


@operator_login_required
@require_GET
@vary_on_headers("HX-Request")
def directions(request: HttpRequest, code: str) -> HttpResponse:
    kindergarten = get_kindergarten_for_operator(request, code)
    form = DirectionFilterForm(request.GET)
    listing = directions_search(kindergarten_directions(kindergarten=kindergarten, status=form.status_filter()), form.search_query())
    context = {"form": form, "now": timezone.now(), **_page(request, listing)}
    template = "operator/_directions.html" if wants_fragment(request) else "operator/directions.html"
    return _kindergarten_page(request, kindergarten, "directions", template, context)


def _direction_page(
    request: HttpRequest, direction: Direction, *, enroll_form: EnrollForm | None = None, flag_form: FlagDocumentsForm | None = None
) -> HttpResponse:
    enroll_form = enroll_form or EnrollForm(initial={"contract_date": timezone.localdate()})
    # The browser's date picker offers only the days the service accepts (issue 11).
    issued_day = timezone.localtime(direction.issued_at).date()
    enroll_form.fields["contract_date"].widget.attrs.update(min=issued_day.isoformat(), max=timezone.localdate().isoformat())
    context = {
        "direction": direction,
        "application": direction.application,
        "enroll_form": enroll_form,
        "flag_form": flag_form or FlagDocumentsForm(initial={"note": direction.documents_missing_note}),
        "can_open_documents": request.user.has_perm("queues.view_application"),
        "documents": direction.application.documents.order_by("uploaded_at", "id"),
    }
    return _kindergarten_page(request, direction.seat.group.kindergarten, "directions", "operator/direction.html", context)


@operator_login_required
@require_GET
def direction(request: HttpRequest, number: int) -> HttpResponse:
    return _direction_page(request, get_direction_for_operator(request, number))


@operator_login_required
@require_POST
def direction_enroll_submit(request: HttpRequest, number: int) -> HttpResponse:
    direction = get_direction_for_operator(request, number)
    form = EnrollForm(request.POST)
    if form.is_valid():
        now = timezone.now()
        try:
            with form_once(request, scope=ENROLL_FORM, now=now):
                direction_enroll(application=direction.application, direction=direction, now=now, **form.cleaned_data)
        except Refusal as refusal:
            if refusal.code == "form_resent":
                messages.info(request, refusal.message)
                return redirect("operator:direction", number=direction.number)
            if refusal.code == "form_token_invalid":
                form.add_error(None, refusal.message)
            else:
                messages.error(request, Refusal("direction_not_active").message if refusal.code == "no_direction" else refusal.message)
        else:
            messages.success(request, _("The child is enrolled on direction №%(number)s.") % {"number": direction.number})
            return redirect("operator:direction", number=direction.number)
    direction.refresh_from_db()
    return _direction_page(request, direction, enroll_form=form)


@operator_login_required
@require_POST
def direction_flag(request: HttpRequest, number: int) -> HttpResponse:
    direction = get_direction_for_operator(request, number)
    form = FlagDocumentsForm(request.POST)
    if form.is_valid():
        now = timezone.now()
        try:
            with form_once(request, scope=FLAG_FORM, now=now):
                direction_flag_documents(direction=direction, note=form.cleaned_data["note"], now=now)
        except Refusal as refusal:
            if refusal.code == "form_resent":
                messages.info(request, refusal.message)
                return redirect("operator:direction", number=direction.number)
            if refusal.code == "form_token_invalid":
                form.add_error(None, refusal.message)
            else:
                messages.error(request, refusal.message)
        else:
            messages.success(request, _("Missing documents are flagged on direction №%(number)s.") % {"number": direction.number})
            return redirect("operator:direction", number=direction.number)
    return _direction_page(request, direction, flag_form=form)


@operator_login_required
@require_GET
def documents(request: HttpRequest, code: str) -> HttpResponse:
    """Applications directed here whose benefit still awaits confirmation. The documents
    themselves are the department's: linked only for a user with its permission."""
    kindergarten = get_kindergarten_for_operator(request, code)
    context = {"checks": benefit_checks(kindergarten=kindergarten), "can_open_documents": request.user.has_perm("queues.view_application")}
    return _kindergarten_page(request, kindergarten, "documents", "operator/documents.html", context)


# --- history (SPEC §8 release protocol, this kindergarten's side) ------------------------------


@operator_login_required
@require_GET
@vary_on_headers("HX-Request")
def history(request: HttpRequest, code: str) -> HttpResponse:
    kindergarten = get_kindergarten_for_operator(request, code)
    page = _page(request, kindergarten_history(kindergarten=kindergarten))
    context = {**page, "rows": history_rows(list(page["page_obj"]), kindergarten=kindergarten)}
    template = "operator/_history.html" if wants_fragment(request) else "operator/history.html"
    return _kindergarten_page(request, kindergarten, "history", template, context)
