from django.contrib import admin
from django.http import HttpRequest

from notifications.models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "event", "channel", "recipient_masked", "language", "status", "attempts")
    list_filter = ("status", "event", "channel", "language")
    search_fields = ("=application__number",)
    readonly_fields = [f.name for f in Message._meta.fields]
    exclude = ("recipient",)
    show_full_result_count = False

    @admin.display(description="recipient")
    def recipient_masked(self, obj: Message) -> str:
        r = obj.recipient or ""
        return (r[:3] + "***" + r[-2:]) if len(r) > 6 else "***"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
