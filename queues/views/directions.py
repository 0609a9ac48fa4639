"""My directions (SPEC §7): the list, extend once (SMS code), decline (SMS code, a strike), and a
printable page of one direction."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.services import cabinet_applications
from core.ratelimit import rate_limited_per
from placements.directions import direction_cancel, direction_extend
from placements.models import Direction
from placements.selectors import active_direction
from placements.verification import check_display, direction_check, direction_verify_url, qr_svg
from queues.selectors_cabinet import application_directions, direction_extension_deadline
from queues.services import STRIKES_TO_ARCHIVE
from queues.views._common import cabinet_code_limits, cabinet_required, confirm_view, own_application, send_view

# Issue 11: a print of a direction that ended without enrollment carries a large stamp saying so.
ENDED_STAMPED = (Direction.Status.CANCELLED, Direction.Status.REVOKED, Direction.Status.EXPIRED)


def _rows(application) -> list[tuple[Direction, object]]:
    return [(direction, direction_extension_deadline(direction)) for direction in application_directions(application)]


@require_GET
@cabinet_required
def directions(request: HttpRequest, number: int) -> HttpResponse:
    application = own_application(request, number)
    context = {"application": application, "rows": _rows(application), "now": timezone.now()}
    return render(request, "queues/directions.html", context)


def _back(number: int) -> str:
    return reverse("queues:directions", args=[number])


@require_http_methods(["GET", "POST"])
@cabinet_required
def extend(request: HttpRequest, number: int) -> HttpResponse:
    application = own_application(request, number)
    direction = active_direction(application)

    def act() -> HttpResponse:
        extended = direction_extend(application=application, now=timezone.now())
        valid_until = timezone.localtime(extended.valid_until).strftime("%d.%m.%Y %H:%M")
        messages.success(request, _("Direction No. %(number)s is extended until %(valid_until)s.") % {"number": extended.number, "valid_until": valid_until})
        return redirect(_back(number))

    context = {"direction": direction, "deadline": direction_extension_deadline(direction) if direction else None, "now": timezone.now()}
    return confirm_view(request, application=application, purpose="extend", template="queues/extend.html", context=context, act=act)


@require_POST
@rate_limited_per("cabinet-action-code", limits=cabinet_code_limits)
@cabinet_required
def extend_send(request: HttpRequest, number: int) -> HttpResponse:
    application = own_application(request, number)
    return send_view(request, application=application, purpose="extend", back=reverse("queues:extend", args=[number]))


@require_http_methods(["GET", "POST"])
@cabinet_required
def cancel(request: HttpRequest, number: int) -> HttpResponse:
    application = own_application(request, number)
    direction = active_direction(application)

    def act() -> HttpResponse:
        cancelled = direction_cancel(application=application, now=timezone.now())
        messages.success(request, _("Direction No. %(number)s is cancelled.") % {"number": cancelled.number})
        return redirect(_back(number))

    context = {"direction": direction, "archives": application.strikes + 1 >= STRIKES_TO_ARCHIVE, "strikes_after": application.strikes + 1}
    return confirm_view(request, application=application, purpose="cancel", template="queues/cancel.html", context=context, act=act)


@require_POST
@rate_limited_per("cabinet-action-code", limits=cabinet_code_limits)
@cabinet_required
def cancel_send(request: HttpRequest, number: int) -> HttpResponse:
    application = own_application(request, number)
    return send_view(request, application=application, purpose="cancel", back=reverse("queues:cancel", args=[number]))


@require_GET
@cabinet_required
def direction_print(request: HttpRequest, direction: int) -> HttpResponse:
    """One direction on an A4 page (print.css): the parent's own, so with the child's full name."""
    found = get_object_or_404(
        Direction.objects.select_related("application__locality", "seat__group__kindergarten"),
        number=direction,
        application__in=cabinet_applications(request.cabinet),
    )
    # Issue 11: the paper can be checked: a check number and a QR code of the public check page.
    verify_url = direction_verify_url(found.pk)
    context = {
        "direction": found,
        "application": found.application,
        "group": found.seat.group,
        "check": check_display(direction_check(found.pk)),
        "verify_url": verify_url,
        "qr_svg": mark_safe(qr_svg(verify_url)),  # our own SVG, drawn by qrcode from our own URL
        "ended": found.status in ENDED_STAMPED,
    }
    return render(request, "queues/direction_print.html", context)
