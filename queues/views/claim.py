"""Get a direction (SPEC §7): the free seats the child may take now, by kindergarten and group;
choosing a group asks for an SMS code, then placements.services.seat_claim decides."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import Refusal
from core.ratelimit import rate_limited
from placements.models import Group
from placements.services import seat_claim, seat_claim_preview
from queues.models import Application
from queues.selectors_cabinet import claim_offer
from queues.views._common import cabinet_required, confirm_view, own_application, send_view

PURPOSE = "claim"


@require_GET
@cabinet_required
def seats(request: HttpRequest, number: int) -> HttpResponse:
    application = own_application(request, number)
    context = {"application": application, "now": timezone.now()}
    if application.status != Application.Status.QUEUED:
        context["not_queued"] = Refusal("not_queued").message
    else:
        context["offer"] = claim_offer(application=application, now=context["now"])
    return render(request, "queues/seats.html", context)


def _group(code: str) -> Group:
    return get_object_or_404(Group.objects.select_related("kindergarten"), code=code)


@require_http_methods(["GET", "POST"])
@cabinet_required
def claim(request: HttpRequest, number: int, group: str) -> HttpResponse:
    """The chosen group, "send the code", then the code: the claim itself (refusals in words)."""
    application = own_application(request, number)
    chosen = _group(group)
    offer = claim_offer(application=application, now=timezone.now())
    available = next((g for k in offer.kindergartens for g in k.groups if g.group.pk == chosen.pk), None)

    def act() -> HttpResponse:
        direction = seat_claim(application=application, group=chosen, now=timezone.now())
        messages.success(
            request,
            _("Direction No. %(number)s is issued. Take the documents to the kindergarten before %(valid_until)s.")
            % {"number": direction.number, "valid_until": timezone.localtime(direction.valid_until).strftime("%d.%m.%Y %H:%M")},
        )
        return redirect(reverse("queues:directions", args=[application.number]) + f"#direction-{direction.number}")

    return confirm_view(
        request,
        application=application,
        purpose=PURPOSE,
        target=chosen.code,
        template="queues/claim.html",
        context={"group": chosen, "available": available},
        act=act,
    )


@require_POST
@rate_limited("cabinet-action-code", limit=10, window=600)
@cabinet_required
def claim_send(request: HttpRequest, number: int, group: str) -> HttpResponse:
    application = own_application(request, number)
    chosen = _group(group)
    # Say no before an SMS code is spent when the claim would be refused anyway (SPEC §7 order).
    refusal = seat_claim_preview(application=application, group=chosen, now=timezone.now())
    if refusal is not None:
        messages.error(request, Refusal(refusal).message)
        return redirect("queues:claim", number, chosen.code)
    return send_view(request, application=application, purpose=PURPOSE, target=chosen.code, back=reverse("queues:claim", args=[number, chosen.code]))
