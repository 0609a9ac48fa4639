from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from audit.labels import action_choices, action_label, actor_choices, actor_label, device_label, object_label, role_label
from audit.models import AuditRecord
from audit.services import heads_published
from queues.models import Application


class ActionFilter(admin.SimpleListFilter):
    title = _("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return action_choices()

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


class RoleFilter(admin.SimpleListFilter):
    title = _("role")
    parameter_name = "actor_kind"

    def lookups(self, request, model_admin):
        return actor_choices()

    def queryset(self, request, queryset):
        return queryset.filter(actor_kind=self.value()) if self.value() else queryset


@admin.register(AuditRecord)
class AuditRecordAdmin(admin.ModelAdmin):
    """Staff read the trail; nobody edits it (and the database refuses changes on PostgreSQL)."""

    # In words (issue 11, item 7): the codes stay in the record and on its own page.
    list_display = ("chain_seq", "at", "role", "who", "action_words", "object_words", "ip", "device_words")
    list_filter = (RoleFilter, ActionFilter, "object_type")
    list_select_related = ("link",)
    search_fields = ("=object_id", "actor", "action")
    date_hierarchy = "at"
    show_full_result_count = False
    fields = ("at", "role", "who", "action_words", "action", "object_words", "object_type", "object_id", "changes", "details", "ip", "device_words", "device")
    readonly_fields = ("role", "who", "action_words", "object_words", "device_words")

    @admin.display(description=_("sequence"), ordering="link__seq")
    def chain_seq(self, record: AuditRecord):
        link = getattr(record, "link", None)  # blank until the sequencer has chained it
        return link.seq if link is not None else None

    @admin.display(description=_("role"), ordering="actor_kind")
    def role(self, record: AuditRecord) -> str:
        return role_label(record.actor_kind)

    @admin.display(description=_("who"), ordering="actor")
    def who(self, record: AuditRecord) -> str:
        return actor_label(record.actor_kind, record.actor)

    @admin.display(description=_("action"), ordering="action")
    def action_words(self, record: AuditRecord) -> str:
        return action_label(record.action)

    @admin.display(description=_("object"))
    def object_words(self, record: AuditRecord) -> str:
        return object_label(record.object_type, record.object_id, getattr(record, "application_number", None))

    @admin.display(description=_("device"))
    def device_words(self, record: AuditRecord) -> str:
        return device_label(record.device)

    def get_changelist_instance(self, request: HttpRequest):
        """The page's applications by number in one query (the record keeps the row id)."""
        changelist = super().get_changelist_instance(request)
        records = list(changelist.result_list)
        ids = {int(r.object_id) for r in records if r.object_type == "queues.application" and r.object_id.isdigit()}
        numbers = dict(Application.objects.filter(pk__in=ids).values_list("pk", "number")) if ids else {}
        for record in records:
            if record.object_type == "queues.application" and record.object_id.isdigit():
                record.application_number = numbers.get(int(record.object_id))
        return changelist

    def get_urls(self):
        heads = path("heads/", self.admin_site.admin_view(self.heads_view), name="audit_heads")
        return [heads, *super().get_urls()]

    def heads_view(self, request: HttpRequest) -> HttpResponse:
        """The sealed heads, newest first: what /open/audit-heads.json publishes."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": _("Sealed heads of the audit chain"),
            "opts": self.model._meta,
            "heads": heads_published(),
            "json_url": reverse("audit_heads_json"),
        }
        return TemplateResponse(request, "audit/heads.html", context)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
