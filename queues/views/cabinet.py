"""The cabinet home (SPEC §3, §4, §6, §7): each of the parent's applications with its status, its
position in every queue and why, open priority access with a countdown, and its directions."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from accounts.services import cabinet_applications
from core.htmx import wants_fragment
from queues.selectors import interleave_ratio
from queues.selectors_cabinet import application_grants, application_messages, application_summary
from queues.services import STRIKES_TO_ARCHIVE
from queues.views._common import cabinet_required, own_application


@require_GET
@cabinet_required
def cabinet(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    summaries = [application_summary(application=application, now=now) for application in cabinet_applications(request.cabinet)]
    return render(request, "queues/cabinet.html", {"summaries": summaries, "ratio": interleave_ratio(), "strikes_to_archive": STRIKES_TO_ARCHIVE, "now": now})


def _application_page(request: HttpRequest, number: int) -> HttpResponse:
    now = timezone.now()
    summary = application_summary(application=own_application(request, number), now=now)
    return render(request, "queues/application.html", {"summary": summary, "ratio": interleave_ratio(), "strikes_to_archive": STRIKES_TO_ARCHIVE, "now": now})


@require_GET
@cabinet_required
def application(request: HttpRequest, number: int) -> HttpResponse:
    return _application_page(request, number)


@require_GET
@vary_on_headers("HX-Request")
@cabinet_required
def grants(request: HttpRequest, number: int) -> HttpResponse:
    """The priority-access countdown: only the fragment for htmx polling (sent with X-Indigo-Poll,
    which a kiosk does not count as activity), the whole application page otherwise."""
    if not wants_fragment(request):
        return _application_page(request, number)
    application = own_application(request, number)
    now = timezone.now()
    return render(request, "queues/_grants.html", {"application": application, "grants": application_grants(application=application, now=now)})


@require_GET
@cabinet_required
def messages_history(request: HttpRequest, number: int) -> HttpResponse:
    application = own_application(request, number)
    return render(request, "queues/messages.html", {"application": application, "history": application_messages(application)})
