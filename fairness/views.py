"""The fairness audit for staff (a report in the admin) and for everyone (/open/fairness/)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from core.calendar import local
from fairness.models import FairnessAudit
from fairness.replay import DIRECTION_NOT_ENTITLED, GRANT_OUT_OF_ORDER, GRANT_SKIPPED, SEAT_UNPUBLISHED
from fairness.services import fairness_audit_run
from queues.models import Locality

PUBLIC_AUDITS = 30  # the last month of nightly runs
STAFF_AUDITS = 20
MAX_DAYS = 366

KIND_LABELS = {
    DIRECTION_NOT_ENTITLED: _("Direction to a family not entitled to it"),
    GRANT_OUT_OF_ORDER: _("Grant given out of order"),
    GRANT_SKIPPED: _("Grant skipped"),
    SEAT_UNPUBLISHED: _("Seat left unpublished"),
}
REASON_LABELS = {
    "not_queued": _("the application was not in the queue"),
    "not_eligible": _("the seat is not in the application's queue"),
    "seat_not_claimable": _("the seat was not published or not free"),
    "not_open_yet": _("the seat was not open yet"),
    "no_access": _("priority access without a grant"),
    "not_first_in_order": _("not among the first in the queue order"),
    "first_in_order_without_grant": _("first in the queue order, no grant given"),
    "left_out_of_bulletin": _("released before the bulletin, not in it"),
    "no_bulletin": _("no bulletin published it"),
}


class FairnessAuditForm(forms.Form):
    first = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    last = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def clean(self) -> dict:
        data = super().clean()
        first, last = data.get("first"), data.get("last")
        if first and last:
            if first > last:
                raise forms.ValidationError(_("The start of the period is after its end."))
            if (last - first).days + 1 > MAX_DAYS:
                raise forms.ValidationError(_("Choose at most %(days)d days.") % {"days": MAX_DAYS})
        return data


def _check_reader(request: HttpRequest) -> None:
    if not request.user.has_perm("fairness.view_fairnessaudit"):
        raise PermissionDenied


def _admin_link(model: str, pk: int | None) -> str | None:
    if pk is None:
        return None
    try:
        return reverse(f"admin:{model}_change", args=[pk])
    except NoReverseMatch:
        return None


def finding_rows(findings: list[dict]) -> list[dict]:
    """The findings as table rows for staff, with links to the objects in the admin."""
    localities = dict(Locality.objects.values_list("id", "code"))
    rows = []
    for f in findings:
        queue = f.get("queue") or {}
        rows.append(
            {
                "at": dt.datetime.fromisoformat(f["at"]) if f.get("at") else None,
                "kind": KIND_LABELS.get(f["kind"], f["kind"]),
                "reason": REASON_LABELS.get(f.get("reason"), f.get("reason")),
                "queue": f"{queue.get('kind', '')} · {localities.get(queue.get('locality'), '')} · {queue.get('birth_year', '')}" if queue else "",
                "bulletin": (f.get("bulletin"), _admin_link("placements_bulletin", f.get("bulletin"))),
                "direction": (f.get("direction_number"), _admin_link("placements_direction", f.get("direction"))),
                "application": (f.get("application_number"), _admin_link("queues_application", f.get("application"))),
                "seat": (f.get("seat"), _admin_link("placements_seat", f.get("seat"))),
            }
        )
    return rows


@require_http_methods(["GET", "POST"])
def fairness_audit_page(request: HttpRequest) -> HttpResponse:
    """Staff: run an audit for a period (POST), see the last runs and one run's findings (GET ?run=)."""
    _check_reader(request)
    if request.method == "POST":
        if not request.user.has_perm("fairness.add_fairnessaudit"):
            raise PermissionDenied
        form = FairnessAuditForm(request.POST)
        if form.is_valid():
            audit = fairness_audit_run(first=form.cleaned_data["first"], last=form.cleaned_data["last"], now=timezone.now())[1]
            return redirect(f"{reverse('admin:reports_fairness')}?run={audit.pk}")
    else:
        yesterday = local(timezone.now()).date() - dt.timedelta(days=1)
        form = FairnessAuditForm(initial={"first": yesterday, "last": yesterday})
    audits = list(FairnessAudit.objects.defer("findings")[:STAFF_AUDITS])
    chosen = None
    run = request.GET.get("run", "")
    if run.isdigit():
        chosen = FairnessAudit.objects.filter(pk=int(run)).first()
    context = {
        **admin.site.each_context(request),
        "title": _("Fairness audit"),
        "form": form,
        "audits": audits,
        "chosen": chosen,
        "rows": finding_rows(chosen.findings) if chosen else [],
    }
    return TemplateResponse(request, "admin/fairness/audit.html", context)


@require_GET
def public_summary(request: HttpRequest) -> HttpResponse:
    """Everyone: the last audits' periods, what they checked and how many findings of each kind; no
    names, numbers or ids (SPEC §8)."""
    audits = FairnessAudit.objects.defer("findings")[:PUBLIC_AUDITS]
    return render(request, "fairness/summary.html", {"audits": audits})
