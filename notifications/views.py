"""The demo phone (/demo-phone/): the SMS a real phone would have received, from the outbox."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from core.htmx import wants_fragment
from core.phones import phone_masked
from notifications.forms import DemoPhoneForm
from notifications.selectors import OUTBOX_BACKEND, demo_phone_enabled, outbox_for_phone


@require_GET
@never_cache
@vary_on_headers("HX-Request")
def demo_phone(request: HttpRequest) -> HttpResponse:
    if not demo_phone_enabled():
        raise Http404
    form = DemoPhoneForm(request.GET if "phone" in request.GET else None)
    phone = form.cleaned_data["phone"] if form.is_valid() else ""
    context = {
        "form": form,
        "phone": phone,
        "phone_masked": phone_masked(phone) if phone else "",
        "sms_list": list(outbox_for_phone(phone=phone)) if phone else [],
        "outbox_active": settings.SMS_BACKEND == OUTBOX_BACKEND,
    }
    # htmx polls the message list every few seconds; a plain GET renders the whole page.
    template = "notifications/_demo_phone_messages.html" if wants_fragment(request) and phone else "notifications/demo_phone.html"
    return render(request, template, context)
