from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import twofactor
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
    """Issue 11: a kiosk is created or given a new screen by pairing (accounts/kiosk_admin.py): the
    screen shows a code, staff confirm it here; no token is ever shown or typed."""

    list_display = ("code", "name", "kindergarten", "active", "last_seen_at")
    list_filter = ("active",)
    search_fields = ("code", "name", "kindergarten__name")
    change_list_template = "admin/accounts/kiosk/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # "Pair a kiosk" instead: a kiosk without a screen is of no use

    def may_pair(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and self.has_change_permission(request)

    def get_urls(self):
        from django.urls import path

        from accounts.kiosk_admin import kiosk_pair

        pair = path("pair/", self.admin_site.admin_view(kiosk_pair), {"model_admin": self}, name="accounts_kiosk_pair")
        return [pair, *super().get_urls()]

    def changelist_view(self, request: HttpRequest, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), "may_pair": self.may_pair(request)})


# --- the second factor of staff and operators (accounts/twofactor.py) -----------------------------

# django-otp's own device pages would show the apps' keys and the recovery codes: not registered;
# a superuser resets a lost phone from the user list instead.
for _device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device_model):
        admin.site.unregister(_device_model)

User = get_user_model()
# The class django.contrib.auth registered (an app listed before this one may have replaced it).
_RegisteredUserAdmin = DjangoUserAdmin
if admin.site.is_registered(User):
    _RegisteredUserAdmin = type(admin.site._registry[User])
    admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(_RegisteredUserAdmin):
    """Django's user admin, plus whether the second factor is set up and its reset for a lost phone."""

    actions = (*(_RegisteredUserAdmin.actions or ()), "second_factor_reset")

    def get_list_display(self, request: HttpRequest):
        return (*super().get_list_display(request), "second_factor")

    def get_queryset(self, request: HttpRequest):
        # One EXISTS in the list's query, not a query per row.
        confirmed = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return super().get_queryset(request).annotate(has_second_factor=Exists(confirmed))

    @admin.display(description=_("Second factor"), boolean=True)
    def second_factor(self, obj) -> bool:
        return obj.has_second_factor

    def has_second_factor_reset_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    @admin.action(description=_("Reset the second factor (lost phone)"), permissions=["second_factor_reset"])
    def second_factor_reset(self, request: HttpRequest, queryset) -> None:
        now = timezone.now()
        for user in queryset:
            twofactor.second_factor_reset(user=user, by=request.user, now=now)
        self.message_user(
            request,
            _("Second factor reset: %(count)d. They set up the app again at their next login.") % {"count": queryset.count()},
            messages.SUCCESS,
        )
