"""The home page and the locality chooser."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_POST

from core.net import safe_next
from placements.selectors import portal_counters
from queues.localities import LOCALITY_SESSION_KEY, chosen_locality
from queues.models import Locality


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    locality = chosen_locality(request)
    context = {
        "counters": portal_counters(now=timezone.now(), locality=locality),
        "locality_name": locality.display_name(get_language() or "ru") if locality else None,
    }
    return render(request, "portal/home.html", context)


@require_POST
def locality_choose(request: HttpRequest) -> HttpResponse:
    """Remember the chosen locality in the session; an empty or unknown code means all localities."""
    code = request.POST.get("locality", "").strip()
    if code and Locality.objects.filter(code=code).exists():
        request.session[LOCALITY_SESSION_KEY] = code
    else:
        request.session.pop(LOCALITY_SESSION_KEY, None)
    return HttpResponseRedirect(safe_next(request, request.POST.get("next") or request.headers.get("referer"), reverse("portal:home")))
