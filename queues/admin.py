"""Department staff's admin for applications: state changes only through the services (SPEC §10)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from audit.admin_mixins import AuditedModelAdmin
from audit.labels import action_label, actor_label, role_label
from core.calendar import local
from core.errors import Refusal
from core.phones import phone_clean
from placements import application_actions
from queues import admin_desk
from queues.importing import COLUMNS, REQUIRED, applications_import, import_summary
from queues.models import Application, BenefitDocument, BenefitStatus, Locality, QueueKind
from queues.selectors import application_positions, application_timeline


@admin.register(Locality)
class LocalityAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "name_kk")
    search_fields = ("code", "name", "name_kk")


class ApplicationImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file of the old portal's queue"))
    dry_run = forms.BooleanField(label=_("Only check the file, save nothing"), required=False)

    # Some 1,500 rows: about 20 seconds on PostgreSQL, within the web server's 30-second timeout.
    MAX_SIZE = 512 * 1024

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > self.MAX_SIZE:
            raise forms.ValidationError(_("The file is larger than 512 KB: import it with the command manage.py import_applications, or split it."))
        return file


class BenefitDecisionForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=500)


class ApplicationAdminForm(forms.ModelForm):
    """Staff type phones as the parents do: stored in the one form codes and limits key on.
    Checked when changed only: a row filed before the check still saves its other fields."""

    def _phone(self, name: str) -> str:
        value = self.cleaned_data.get(name) or ""
        if name not in self.changed_data:
            return value
        return phone_clean(value, required=False)

    def clean_phone(self) -> str:
        return self._phone("phone")

    def clean_phone2(self) -> str:
        return self._phone("phone2")

    def clean(self) -> dict:
        data = super().clean()
        changed = {"phone", "phone2"} & set(self.changed_data)
        if changed and data.get("phone") and data.get("phone") == data.get("phone2"):
            self.add_error("phone2", Refusal("same_phones").message)
        return data


STATE_FIELDS = (
    "number",
    "status",
    "archive_reason",
    "strikes",
    "benefit_status",
    "benefit_decision_reason",
    "filed_at",
    "status_changed_at",
    "birth_year",
    "child_iin",
    "child_birth_date",
    "locality",
    "benefit",
    "benefit_category",
    "sen_pmpk",
    "wants_special",
    "wants_sanatorium",
)


class BenefitDocumentInline(admin.TabularInline):
    model = BenefitDocument
    extra = 0
    fields = ("link", "content_type", "size", "uploaded_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description=_("document"))
    def link(self, obj: BenefitDocument) -> str:
        return format_html('<a href="{}">{}</a>', reverse("queues:benefit_document", args=[obj.pk]), obj.original_name)


@admin.register(Application)
class ApplicationAdmin(AuditedModelAdmin):
    form = ApplicationAdminForm
    list_display = ("number", "child_name_masked", "locality", "birth_year", "benefit", "benefit_status", "status", "filed_at")
    list_filter = ("status", "locality", "birth_year", "benefit", "benefit_status", "wants_special", "wants_sanatorium")
    search_fields = ("=number", "=child_iin", "=applicant_iin", "child_last_name", "child_first_name", "applicant_last_name", "=legacy_number")
    # Phones and IINs change only through the "Change phones or IINs" page: a reason, checks, audit (issue 11).
    readonly_fields = (*STATE_FIELDS, "positions", "legacy_number", "applicant_iin", "phone", "phone2")
    list_select_related = ("locality",)
    date_hierarchy = "filed_at"
    show_full_result_count = False  # a million rows: no COUNT(*) on every page
    actions = ("confirm_benefit", "reject_benefit")
    inlines = [BenefitDocumentInline]
    fieldsets = (
        (_("Application"), {"fields": ("number", "legacy_number", "status", "archive_reason", "strikes", "filed_at", "status_changed_at", "positions")}),
        (
            _("Child"),
            {"fields": ("child_iin", "child_last_name", "child_first_name", "child_middle_name", "child_birth_date", "birth_year", "birth_certificate")},
        ),
        (
            _("Applicant"),
            {"fields": ("applicant_iin", "applicant_last_name", "applicant_first_name", "applicant_middle_name", "phone", "phone2", "email", "address")},
        ),
        (
            _("Queue"),
            {
                "fields": (
                    "locality",
                    "benefit",
                    "benefit_category",
                    "benefit_status",
                    "benefit_decision_reason",
                    "sen_pmpk",
                    "wants_special",
                    "wants_sanatorium",
                )
            },
        ),
        (_("Notifications"), {"fields": ("channel", "language")}),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Filing goes through the same service as the cabinet and the kiosk (SPEC §3).
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Application | None = None) -> bool:
        return False  # nothing is ever lost

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        urls = [
            path("import/", view(self.import_view), name="queues_application_import"),
            path("desk/", view(self.desk_view), name="queues_application_desk"),
            path("desk/codes/", view(self.desk_codes_view), name="queues_application_desk_codes"),
            path("<path:object_id>/benefit/<str:decision>/", view(self.benefit_decision_view), name="queues_application_benefit_decision"),
            path("<path:object_id>/contacts/", view(self.contacts_view), name="queues_application_contacts"),
        ]
        return urls + super().get_urls()

    @method_decorator(require_http_methods(["GET", "POST"]))
    def desk_view(self, request: HttpRequest) -> HttpResponse:
        return admin_desk.desk_filing_view(self, request)

    @method_decorator(require_http_methods(["GET", "POST"]))
    def desk_codes_view(self, request: HttpRequest) -> HttpResponse:
        return admin_desk.desk_codes_view(self, request)

    @method_decorator(require_http_methods(["GET", "POST"]))
    def contacts_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return admin_desk.contacts_view(self, request, object_id)

    @method_decorator(require_http_methods(["GET", "POST"]))
    def benefit_decision_view(self, request: HttpRequest, object_id: str, decision: str) -> HttpResponse:
        if decision not in ("confirm", "reject"):
            raise Http404
        return admin_desk.benefit_decision_view(self, request, object_id, decision)

    def render_change_form(self, request: HttpRequest, context: dict, add: bool = False, change: bool = False, form_url: str = "", obj=None) -> HttpResponse:
        """The page also shows the application's history from the audit trail and the clerk's buttons
        (on the object change_view has loaded: no second fetch)."""
        if obj is not None:
            context["timeline"] = [
                {
                    "at": local(record.at),
                    "action": action_label(record.action),
                    "role": role_label(record.actor_kind),
                    "who": actor_label(record.actor_kind, record.actor),
                    "direction": record.object_type == "placements.direction",
                    "reason": (record.details or {}).get("reason", ""),
                }
                for record in application_timeline(obj)
            ]
            may_change = self.has_change_permission(request, obj)
            context["benefit_pending"] = may_change and obj.benefit_status == BenefitStatus.CLAIMED
            context["may_correct"] = may_change
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    @method_decorator(require_http_methods(["GET", "POST"]))
    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload the old portal's queue: the same service as `manage.py import_applications`."""
        if not request.user.has_perm("queues.add_application"):
            raise PermissionDenied
        form = ApplicationImportForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            report = applications_import(file=form.cleaned_data["file"], now=timezone.now(), dry_run=form.cleaned_data["dry_run"])
            if report.saved:
                self.message_user(request, import_summary(report), messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:queues_application_changelist"))
            self.message_user(request, import_summary(report), messages.ERROR if report.errors else messages.SUCCESS)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import from the old portal"),
            "opts": self.model._meta,
            "form": form,
            "report": report,
            "columns": [(column, column in REQUIRED) for column in COLUMNS],
        }
        return TemplateResponse(request, "admin/queues/application/import.html", context)

    @admin.display(description=_("Positions"))
    def positions(self, obj: Application) -> str:
        found = application_positions(obj)
        # Issue 11: the queue's name and the words in the admin's language ("general: 153 / 228" was not).
        return (
            ", ".join(
                _("%(queue)s: place %(position)s of %(size)s") % {"queue": QueueKind(kind).label, "position": p.position, "size": p.size}
                for kind, p in found.items()
            )
            or "—"
        )

    def _decide(self, request: HttpRequest, queryset: QuerySet[Application], service, title) -> HttpResponse | None:
        form = BenefitDecisionForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            now = timezone.now()
            done = 0
            for application in queryset:
                try:
                    service(application=application, now=now, reason=form.cleaned_data["reason"])
                    done += 1
                except Refusal as refusal:
                    self.message_user(request, f"№{application.number}: {refusal.message}", messages.WARNING)
            self.message_user(request, _("Decisions recorded: %(count)d") % {"count": done}, messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "applications": queryset.select_related("locality").prefetch_related("documents"),
            "form": form,
            "action": request.POST.get("action"),
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/queues/benefit_decision.html", context)

    @admin.action(description=_("Confirm the benefit"), permissions=["change"])
    def confirm_benefit(self, request: HttpRequest, queryset: QuerySet[Application]) -> HttpResponse | None:
        return self._decide(request, queryset, application_actions.benefit_confirm, _("Confirm the benefit"))

    @admin.action(description=_("Reject the benefit (returns to the general queue)"), permissions=["change"])
    def reject_benefit(self, request: HttpRequest, queryset: QuerySet[Application]) -> HttpResponse | None:
        return self._decide(request, queryset, application_actions.benefit_reject, _("Reject the benefit"))
