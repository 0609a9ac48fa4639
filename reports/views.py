"""Staff reports in the admin (SPEC §10): queue sizes and weekly seat movement, as pages with
server-drawn SVG charts (no JavaScript) and as CSV downloads. Wired in reports/admin_site.py."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Sequence

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from core.calendar import local
from queues.models import Locality
from reports.selectors import QueueSize, SeatWeek, queue_sizes, seat_weeks, week_monday

DEFAULT_WEEKS = 12
MAX_WEEKS = 157  # three years


def _check_reader(request: HttpRequest) -> None:
    """Staff (the admin's own check) who may read applications: clerks, supervisors, auditors."""
    if not request.user.has_perm("queues.view_application"):
        raise PermissionDenied


class LocalityFilterForm(forms.Form):
    locality = forms.ModelChoiceField(
        label=_("Locality"), queryset=Locality.objects.order_by("name"), to_field_name="code", required=False, empty_label=_("All localities")
    )

    def locality_code(self) -> str | None:
        locality = self.cleaned_data.get("locality") if self.is_valid() else None
        return locality.code if locality else None


class SeatWeeksForm(LocalityFilterForm):
    first = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    last = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, today: dt.date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self) -> dict:
        data = super().clean()
        last = data.get("last") or self.today
        first = data.get("first") or week_monday(last) - dt.timedelta(weeks=DEFAULT_WEEKS - 1)
        if first > last:
            raise forms.ValidationError(_("The start of the period is after its end."))
        if (week_monday(last) - week_monday(first)).days // 7 + 1 > MAX_WEEKS:
            raise forms.ValidationError(_("Choose at most %(weeks)d weeks.") % {"weeks": MAX_WEEKS})
        data["first"], data["last"] = first, last
        return data


def _context(request: HttpRequest, title: str, **extra: object) -> dict:
    return {**admin.site.each_context(request), "title": title, **extra}


@require_GET
def reports_index(request: HttpRequest) -> HttpResponse:
    _check_reader(request)
    return TemplateResponse(request, "admin/reports/index.html", _context(request, _("Reports")))


@require_GET
def queue_sizes_page(request: HttpRequest) -> HttpResponse:
    _check_reader(request)
    form = LocalityFilterForm(request.GET)
    rows = queue_sizes(language=get_language(), locality=form.locality_code()) if form.is_valid() else []
    totals = {kind: sum(getattr(r, kind) for r in rows) for kind in ("general", "special", "sanatorium")}
    context = _context(
        request,
        _("Queue sizes"),
        form=form,
        rows=rows,
        totals=totals,
        scale=max((r.general for r in rows), default=0) or 1,
        query=request.GET.urlencode(),
    )
    return TemplateResponse(request, "admin/reports/queues.html", context)


@require_GET
def queue_sizes_csv(request: HttpRequest) -> HttpResponse:
    _check_reader(request)
    form = LocalityFilterForm(request.GET)
    rows: Sequence[QueueSize] = queue_sizes(language=get_language(), locality=form.locality_code()) if form.is_valid() else []
    header = ("locality_code", "locality", "birth_year", "general", "special", "sanatorium")
    lines = ((r.locality_code, r.locality_name, r.birth_year, r.general, r.special, r.sanatorium) for r in rows)
    return _csv_response("queue-sizes.csv", header, lines)


def _seat_weeks(request: HttpRequest) -> tuple[SeatWeeksForm, list[SeatWeek]]:
    form = SeatWeeksForm(request.GET, today=local(timezone.now()).date())
    if not form.is_valid():
        return form, []
    return form, seat_weeks(first=form.cleaned_data["first"], last=form.cleaned_data["last"], locality=form.locality_code())


@require_GET
def seat_weeks_page(request: HttpRequest) -> HttpResponse:
    _check_reader(request)
    form, weeks = _seat_weeks(request)
    totals = {kind: sum(getattr(w, kind) for w in weeks) for kind in ("released", "claimed", "enrolled", "expired")}
    scale = max((max(w.released, w.claimed, w.enrolled, w.expired) for w in weeks), default=0) or 1
    # 40 units a week, and room for the legend however few weeks there are.
    chart_width = max(len(weeks) * 40 + 20, 400)
    context = _context(request, _("Seats per week"), form=form, weeks=weeks, totals=totals, scale=scale, chart_width=chart_width, query=request.GET.urlencode())
    return TemplateResponse(request, "admin/reports/seats.html", context)


@require_GET
def seat_weeks_csv(request: HttpRequest) -> HttpResponse:
    _check_reader(request)
    _, weeks = _seat_weeks(request)
    header = ("week", "monday", "released", "claimed", "enrolled", "expired")
    lines = ((w.label, w.monday.isoformat(), w.released, w.claimed, w.enrolled, w.expired) for w in weeks)
    return _csv_response("seats-per-week.csv", header, lines)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    # A spreadsheet must not run a locality name that starts like a formula (OWASP "CSV injection").
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_START) else value


def _csv_response(filename: str, header: Sequence[str], lines: Iterable[Sequence[object]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8", headers={"Content-Disposition": f'attachment; filename="{filename}"'})
    response.write("\ufeff")  # the BOM lets spreadsheet programs read Cyrillic as UTF-8
    writer = csv.writer(response)
    writer.writerow(header)
    for line in lines:
        writer.writerow([_cell(value) for value in line])
    return response
