"""Get a direction (SPEC §7): the free seats the child may take now, by kindergarten and group;
choosing a group asks for an SMS code, then placements.claims.seat_claim decides.

The claim code is for the application, not for one group (SPEC §9): sent from one group's page it
is accepted on another's while valid, and a refused claim leaves it valid, so when the seat goes
while the family types, the same code takes another group without a new SMS."""

from __future__ import annotations

import datetime as dt
import math

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from core.errors import Refusal
from core.htmx import wants_fragment
from core.ratelimit import rate_limited_per
from placements.claims import seat_claim, seat_claim_preview
from placements.models import Group
from queues.models import Application
from queues.selectors_cabinet import CLAIM_CODE_EARLY, GroupOffer, claim_code_early, claim_offer, claim_opens_at, seats_now
from queues.views._common import cabinet_code_limits, cabinet_required, confirm_view, own_application, send_view

PURPOSE = "claim"
TARGET = ""  # SPEC §9: one claim code for the whole application, whichever group it is typed on
POLL_SECONDS = 5  # the seats page asks for the counts this often (htmx)


@require_GET
@vary_on_headers("HX-Request")
@cabinet_required
def seats(request: HttpRequest, number: int) -> HttpResponse:
    """The seats the child may take now. Polled by htmx every few seconds for just the offer (the
    counts come from a cache shared by the queue for a second); without JavaScript, a refresh link."""
    application = own_application(request, number)
    now = timezone.now()
    context = {"application": application, "now": now, "poll_seconds": POLL_SECONDS}
    if application.status != Application.Status.QUEUED:
        context["not_queued"] = Refusal("not_queued").message
    else:
        current = seats_now(application=application, now=now)
        context.update(offer=current.offer, next_open_at=current.next_open_at, opening_groups=current.opening_groups)
        if current.next_open_at is not None:
            context["opens_in"] = countdown(current.next_open_at - now)
    if wants_fragment(request):
        return render(request, "queues/_seats_offer.html", context)
    return render(request, "queues/seats.html", context)


def countdown(left: dt.timedelta) -> dict[str, object]:
    """A countdown as the page shows it without JavaScript (h:mm:ss) and the seconds static/js/countdown.js starts from."""
    seconds = max(0, math.ceil(left.total_seconds()))
    return {"seconds": seconds, "text": f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"}


def _group(code: str) -> Group:
    return get_object_or_404(Group.objects.select_related("kindergarten"), code=code)


class GroupPage:
    """What the group's page shows besides the form, read only when the page is shown (a GET or a
    refused claim), never on the way to a direction: the claim itself stays a few queries."""

    def __init__(self, application: Application, group: Group) -> None:
        self.application, self.group = application, group

    @cached_property
    def _groups(self) -> list[GroupOffer]:
        offer = claim_offer(application=self.application, now=timezone.now())
        return [g for k in offer.kindergartens for g in k.groups]

    @cached_property
    def available(self) -> GroupOffer | None:
        return next((g for g in self._groups if g.group.pk == self.group.pk), None)

    @cached_property
    def others(self) -> list[GroupOffer]:
        """The other groups with seats for the child now: the same code takes any of them."""
        return [g for g in self._groups if g.group.pk != self.group.pk]

    @cached_property
    def opens_at(self) -> dt.datetime | None:
        return claim_opens_at(application=self.application, group=self.group, now=timezone.now())

    @property
    def opens_in(self) -> dict[str, object] | None:
        return countdown(self.opens_at - timezone.now()) if self.opens_at else None

    @property
    def code_from(self) -> dt.datetime | None:
        """From when the code may be asked (SPEC §9: 5 minutes before the seats open)."""
        return self.opens_at - CLAIM_CODE_EARLY if self.opens_at else None


@require_http_methods(["GET", "POST"])
@cabinet_required
def claim(request: HttpRequest, number: int, group: str) -> HttpResponse:
    """The chosen group, "send the code", then the code: the claim itself (refusals in words, with
    the other groups the same code can still take)."""
    application = own_application(request, number)
    chosen = _group(group)

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
        target=TARGET,
        template="queues/claim.html",
        context={"group": chosen, "page": GroupPage(application, chosen)},
        act=act,
    )


@require_POST
@rate_limited_per("cabinet-action-code", limits=cabinet_code_limits)
@cabinet_required
def claim_send(request: HttpRequest, number: int, group: str) -> HttpResponse:
    application = own_application(request, number)
    chosen = _group(group)
    now = timezone.now()
    # Say no before an SMS code is spent when the claim would be refused anyway (SPEC §7 order) —
    # except in the 5 minutes before the family's seats open (SPEC §9): one tap at 07:00.
    refusal = seat_claim_preview(application=application, group=chosen, now=now)
    if refusal == "not_open_yet" and claim_code_early(application=application, group=chosen, now=now):
        refusal = None
    if refusal is not None:
        messages.error(request, Refusal(refusal).message)
        return redirect("queues:claim", number, chosen.code)
    about = {"kindergarten": chosen.kindergarten.display_name(application.language)}  # issue 11: the code SMS says where
    return send_view(request, application=application, purpose=PURPOSE, target=TARGET, back=reverse("queues:claim", args=[number, chosen.code]), about=about)
