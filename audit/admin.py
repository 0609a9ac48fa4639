from django.contrib import admin
from django.http import HttpRequest

from audit.models import AuditRecord


@admin.register(AuditRecord)
class AuditRecordAdmin(admin.ModelAdmin):
    """Staff read the trail; nobody edits it (and the database refuses changes on PostgreSQL)."""

    list_display = ("seq", "at", "actor_kind", "actor", "action", "object_type", "object_id", "ip", "device")
    list_filter = ("actor_kind", "action", "object_type")
    search_fields = ("=object_id", "actor", "action")
    date_hierarchy = "at"
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
