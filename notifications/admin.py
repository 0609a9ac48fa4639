"""The delivery log: every message, read-only, with the recipient masked; failed ones can be retried."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.phones import recipient_masked
from notifications.models import Message
from notifications.services import messages_retry


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "event", "channel", "recipient_masked", "language", "status", "attempts", "last_error_short", "sent_at")
    list_filter = ("status", "event", "channel", "language")
    search_fields = ("=application__number",)
    search_help_text = _("Application number")
    date_hierarchy = "created_at"
    fields = (
        "application",
        "event",
        "channel",
        "recipient_masked",
        "language",
        "context",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "sent_at",
        "idempotency_key",
    )
    readonly_fields = fields
    list_select_related = ("application",)
    show_full_result_count = False
    actions = ("retry_now",)

    @admin.display(description=_("recipient"))
    def recipient_masked(self, obj: Message) -> str:
        return recipient_masked(obj.recipient)

    @admin.display(description=_("last error"))
    def last_error_short(self, obj: Message) -> str:
        return Truncator(obj.last_error).chars(80)

    @admin.action(description=_("Retry now (failed messages)"), permissions=["change"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[Message]) -> None:
        count = messages_retry(message_ids=queryset.values_list("pk", flat=True), now=timezone.now())
        skipped = queryset.count() - count
        self.message_user(request, ngettext("%(count)d message queued again.", "%(count)d messages queued again.", count) % {"count": count})
        if skipped:
            self.message_user(
                request,
                _("%(count)d selected messages were not failed, or were one-time codes, and were left alone.") % {"count": skipped},
                messages.WARNING,
            )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        # Read-only pages for anyone who may view; the "retry now" action needs the change right.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        return False
