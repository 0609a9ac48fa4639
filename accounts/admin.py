from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.kiosks import kiosk_register
from accounts.models import Cabinet, Kiosk
from accounts.services import BLOCK_DEFAULT, cabinet_block, cabinet_unblock
from audit.admin_mixins import AuditedModelAdmin


class BlockForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    until = forms.DateField(label=_("Blocked until (default: 6 months)"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


@admin.register(Cabinet)
class CabinetAdmin(AuditedModelAdmin):
    list_display = ("__str__", "created_at", "last_login_at", "device_last_used_at", "blocked_until")
    search_fields = ("=iin",)
    list_filter = ("blocked_until",)
    readonly_fields = (
        "created_at",
        "last_login_at",
        "device_label",
        "device_registered_at",
        "device_last_used_at",
        "failed_logins",
        "locked_until",
        "blocked_until",
        "block_reason",
    )
    exclude = ("password", "device_token_hash")
    actions = ("block", "unblock")

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "iin") if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_at = timezone.now()
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.action(description=_("Block the cabinet (shared access)"), permissions=["change"])
    def block(self, request, queryset):
        form = BlockForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            now = timezone.now()
            until = form.cleaned_data["until"]
            until_at = dt.datetime.combine(until, dt.time(23, 59), tzinfo=timezone.get_current_timezone()) if until else now + BLOCK_DEFAULT
            for cabinet in queryset:
                cabinet_block(cabinet=cabinet, reason=form.cleaned_data["reason"], until=until_at, now=now)
            self.message_user(request, _("Blocked: %(count)d") % {"count": queryset.count()}, messages.SUCCESS)
            return None
        return TemplateResponse(
            request,
            "admin/accounts/block.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Block the cabinet"),
                "cabinets": queryset,
                "form": form,
                "action": request.POST.get("action"),
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(description=_("Unblock the cabinet"), permissions=["change"])
    def unblock(self, request, queryset):
        now = timezone.now()
        for cabinet in queryset:
            cabinet_unblock(cabinet=cabinet, now=now)
        self.message_user(request, _("Unblocked: %(count)d") % {"count": queryset.count()}, messages.SUCCESS)


@admin.register(Kiosk)
class KioskAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "kindergarten", "active", "last_seen_at")
    list_filter = ("active",)
    search_fields = ("code", "name", "kindergarten__name")
    actions = ("new_token",)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
            token = kiosk_register(kiosk=obj, now=timezone.now())
            self.message_user(
                request,
                _("Kiosk token (shown only now — enter it at /kiosk/activate/ on the kiosk screen): %(token)s") % {"token": token},
                messages.WARNING,
            )
        else:
            super().save_model(request, obj, form, change)

    @admin.action(description=_("Issue a new token (the old one stops working)"), permissions=["change"])
    def new_token(self, request, queryset):
        for kiosk in queryset:
            token = kiosk_register(kiosk=kiosk, now=timezone.now())
            self.message_user(request, _("%(kiosk)s: new token %(token)s") % {"kiosk": kiosk, "token": token}, messages.WARNING)
