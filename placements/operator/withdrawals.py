"""Issue 11: withdrawing several of a group's free seats at once (SPEC §5), with a reason and a
confirmation; one call of placements.seats.seats_withdraw, all or nothing."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from core.errors import Refusal
from core.once import form_once
from placements.models import Seat
from placements.operator.access import get_group_for_operator, operator_login_required
from placements.operator.forms import BulkWithdrawForm
from placements.operator.selectors import group_withdrawable_seats
from placements.seats import seats_withdraw

BULK_WITHDRAW_FORM = "operator-seats-withdraw"


@operator_login_required
@require_http_methods(["GET", "POST"])
def seats_withdraw_bulk(request: HttpRequest, code: str) -> HttpResponse:
    """GET: the group's free seats with checkboxes and a reason; POST: the confirmation; POST with
    `confirm`: the withdrawal. A seat claimed meanwhile makes the service refuse them all."""
    group = get_group_for_operator(request, code)
    kindergarten = group.kindergarten
    now = timezone.now()
    free = list(group_withdrawable_seats(group=group, now=now))
    if request.method == "POST":  # the seats sent that are this group's (the service decides if they are still free)
        sent = [int(value) for value in request.POST.getlist("seats") if value.isdigit()]
        all_ids = list(Seat.objects.filter(group=group, pk__in=sent).values_list("pk", flat=True))
    else:
        all_ids = [s.pk for s in free]
    form = BulkWithdrawForm(request.POST if request.method == "POST" else None, seat_ids=all_ids)
    seats_url = f"{reverse('operator:seats', args=[kindergarten.code])}?group={group.code}"
    context = {"kindergarten": kindergarten, "section": "seats", "group": group, "free": free, "form": form}
    if request.method == "POST" and form.is_valid():
        ids, reason = form.cleaned_data["seats"], form.cleaned_data["reason"]
        if not request.POST.get("confirm"):
            chosen = list(Seat.objects.filter(group=group, pk__in=ids).order_by("-birth_year", "id"))
            return render(request, "operator/seats_withdraw_confirm.html", {**context, "chosen": chosen, "reason": reason})
        try:
            with form_once(request, scope=BULK_WITHDRAW_FORM, now=now):
                count = seats_withdraw(group=group, seat_ids=ids, reason=reason, now=now, by=request.user)
        except Refusal as refusal:
            if refusal.code == "form_resent":
                messages.info(request, refusal.message)
                return redirect(seats_url)
            form.add_error(None, refusal.message)
        else:
            text = ngettext(
                "%(count)d seat of group %(group)s is withdrawn. It is recorded in the release protocol.",
                "%(count)d seats of group %(group)s are withdrawn. They are recorded in the release protocol.",
                count,
            )
            messages.success(request, text % {"count": count, "group": group})
            return redirect(f"{seats_url}&state=withdrawn")
    return render(request, "operator/seats_withdraw_bulk.html", context)
