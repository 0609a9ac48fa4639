"""The parent cabinet's pages (SPEC §3, §10): a parent sees only their own applications."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from accounts.services import cabinet_applications
from queues.selectors import application_positions


@require_GET
def cabinet(request: HttpRequest) -> HttpResponse:
    if request.cabinet is None:
        return redirect("accounts:login")
    applications = [(application, application_positions(application)) for application in cabinet_applications(request.cabinet)]
    return render(request, "queues/cabinet.html", {"applications": applications})
