from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from audit.models import AuditRecord
from audit.services import heads_published


@admin.register(AuditRecord)
class AuditRecordAdmin(admin.ModelAdmin):
    """Staff read the trail; nobody edits it (and the database refuses changes on PostgreSQL)."""

    list_display = ("chain_seq", "at", "actor_kind", "actor", "action", "object_type", "object_id", "ip", "device")
    list_filter = ("actor_kind", "action", "object_type")
    list_select_related = ("link",)
    search_fields = ("=object_id", "actor", "action")
    date_hierarchy = "at"
    show_full_result_count = False
    exclude = ("mac",)

    @admin.display(description=_("sequence"), ordering="link__seq")
    def chain_seq(self, record: AuditRecord):
        link = getattr(record, "link", None)  # blank until the sequencer has chained it
        return link.seq if link is not None else None

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
