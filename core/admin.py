from django.contrib import admin

from core.models import CalendarOverride


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ("date", "kind", "decree", "created_at")
    list_filter = ("kind",)
    search_fields = ("decree",)
    date_hierarchy = "date"
