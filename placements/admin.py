"""Admin for kindergartens and the seat/direction state machine: states change only via services."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from audit.admin_mixins import AuditedModelAdmin
from placements.models import Bulletin, Direction, Grant, Group, Kindergarten, Publication, Seat, SeatRelease


class ReadOnlyAdmin(admin.ModelAdmin):
    """The state machine must not be bypassed: these rows are written by the services only."""

    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class GroupInline(admin.TabularInline):
    model = Group
    extra = 0
    fields = ("code", "name", "name_kk", "age_from", "age_to", "language", "kind", "capacity")


@admin.register(Kindergarten)
class KindergartenAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "name_kk", "locality", "address")
    list_filter = ("locality",)
    search_fields = ("code", "name", "name_kk", "address")
    filter_horizontal = ("operators",)
    inlines = [GroupInline]


@admin.register(Group)
class GroupAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "name_kk", "kindergarten", "age_from", "age_to", "language", "kind", "capacity")
    list_filter = ("kind", "language", "age_from", "kindergarten__locality")
    search_fields = ("code", "name", "name_kk", "kindergarten__name", "kindergarten__name_kk")
    list_select_related = ("kindergarten",)


@admin.register(SeatRelease)
class SeatReleaseAdmin(ReadOnlyAdmin):
    list_display = ("released_at", "group", "birth_year", "count", "released_by")
    list_filter = ("birth_year",)
    search_fields = ("group__code", "group__kindergarten__name", "group__kindergarten__name_kk")
    list_select_related = ("group", "released_by")


@admin.register(Seat)
class SeatAdmin(ReadOnlyAdmin):
    list_display = ("id", "group", "birth_year", "state", "published_at", "open_at", "priority_until")
    list_filter = ("state", "birth_year", "group__kind")
    search_fields = ("=id", "group__code", "group__kindergarten__name", "group__kindergarten__name_kk")
    list_select_related = ("group",)


@admin.register(Bulletin)
class BulletinAdmin(ReadOnlyAdmin):
    list_display = ("published_at",)
    date_hierarchy = "published_at"


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdmin):
    list_display = ("bulletin", "seat", "open_at", "priority_until")
    list_select_related = ("bulletin", "seat__group")


@admin.register(Grant)
class GrantAdmin(ReadOnlyAdmin):
    list_display = ("application", "kind", "from_at", "until_at", "ended_at")
    list_filter = ("kind",)
    search_fields = ("=application__number", "=application__child_iin")
    list_select_related = ("application",)


@admin.register(Direction)
class DirectionAdmin(ReadOnlyAdmin):
    list_display = ("number", "application", "seat", "status", "issued_at", "valid_until", "extended")
    list_filter = ("status", "extended")
    search_fields = ("=number", "=application__number", "=application__child_iin")
    list_select_related = ("application", "seat__group")
    date_hierarchy = "issued_at"
