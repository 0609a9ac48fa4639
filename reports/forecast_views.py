"""Staff report: the latest back-tests of the wait forecast (issue 12, item 1; `forecast_backtest`).
Wired in reports/admin_site.py; read-only, for staff who may read applications."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from queues.models import ForecastReport, Locality, QueueKind

SHOWN_REPORTS = 10


@require_GET
def forecast_backtest_page(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("queues.view_application"):
        raise PermissionDenied
    reports = list(ForecastReport.objects.order_by("-created_at", "-id")[:SHOWN_REPORTS])
    latest = reports[0] if reports else None
    rows = []
    if latest is not None:
        names = {loc.code: str(loc) for loc in Locality.objects.filter(code__in={q["locality"] for q in latest.details.get("queues", [])})}
        for row in latest.details.get("queues", []):
            rows.append({**row, "locality_name": names.get(row["locality"], row["locality"]), "kind_name": str(QueueKind(row["kind"]).label)})
    context = {
        **admin.site.each_context(request),
        "title": _("Wait forecast back-test"),
        "latest": latest,
        "rows": rows,
        "reports": reports,
    }
    return TemplateResponse(request, "admin/reports/forecast.html", context)
