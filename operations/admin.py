from django.contrib import admin

from audit.admin_mixins import AuditedModelAdmin
from core.models import CalendarOverride


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(AuditedModelAdmin):
    list_display = ("date", "kind", "decree", "created_at")
    list_filter = ("kind",)
    search_fields = ("decree",)
    date_hierarchy = "date"
