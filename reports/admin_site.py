"""The admin site with the staff reports under /admin/reports/ (SPEC §10: reports for staff).

Django's documented way to add pages to the admin: a site subclass named by the admin's AppConfig
(INSTALLED_APPS lists `reports.admin_site.IndigoAdminConfig` in place of `django.contrib.admin`).
The reports share the admin's login, its never-cache and staff checks, and its URL namespace.

Every ModelAdmin registered on this site — ours, django.contrib.auth's, third parties', and any
registered later — is wrapped in `SecretFieldsGuard`: no filter, search, ordering, list or form
reaches a secret field (a password or token hash, a code's salt), at any depth of relations.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import FieldDoesNotExist
from django.db.models.constants import LOOKUP_SEP
from django.urls import URLPattern, URLResolver, path
from django.utils.translation import gettext_lazy as _

SECRET_NAMES = frozenset({"password", "code_hash", "salt", "token_hash", "device_token_hash"})
SECRET_WORDS = ("password", "secret", "token")


def is_secret(name: str) -> bool:
    """A field whose value is a secret or a hash of one, judged by its name (new fields included)."""
    name = name.lower()
    return name in SECRET_NAMES or name.endswith("_hash") or any(word in name for word in SECRET_WORDS)


def touches_secret(lookup: str) -> bool:
    """`user__password__startswith`, `-token_hash`, `=cabinet__salt`: any part of the path is secret."""
    return any(is_secret(part) for part in lookup.lstrip("-^=@").split(LOOKUP_SEP))


@functools.cache
def _password_state_widget() -> type:
    """Django's password row (with its reset button) without the summary, which shows the start of
    the salt and of the hash. Made on first use: auth's forms need the app registry."""
    from django.contrib.auth.forms import ReadOnlyPasswordHashWidget

    class PasswordStateWidget(ReadOnlyPasswordHashWidget):
        def get_context(self, name: str, value: Any, attrs: dict | None) -> dict[str, Any]:
            context = super().get_context(name, value, attrs)
            # Entries with a value are the hash's parts; label-only ones say "not set" or "invalid".
            shown = [entry for entry in context["summary"] if "value" not in entry]
            context["summary"] = shown or [{"label": _("A password is set; its hash is never shown.")}]
            return context

    return PasswordStateWidget


def _is_password_row(field: Any) -> bool:
    from django.contrib.auth.forms import ReadOnlyPasswordHashField

    return isinstance(field, ReadOnlyPasswordHashField)


class SecretFieldsGuard:
    """Mixed into every ModelAdmin (and its inlines) by IndigoAdminSite: secret fields can be
    neither filtered on (`?password__startswith=…` answers 400, for superusers too), searched,
    ordered by, listed nor shown on a form."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # No hook exists for list_editable: an editable secret column would render its value.
        self.list_editable = tuple(name for name in getattr(self, "list_editable", ()) if not touches_secret(name))

    def lookup_allowed(self, lookup: str, value: Any, request: Any = None) -> bool:
        # Refused before Django's own rule, which allows any lookup on the model's own fields.
        if touches_secret(lookup):
            return False
        return super().lookup_allowed(lookup, value, request)

    def to_field_allowed(self, request: Any, to_field: str) -> bool:
        return not touches_secret(to_field) and super().to_field_allowed(request, to_field)

    def get_list_display(self, request: Any) -> Any:
        return [name for name in super().get_list_display(request) if not (isinstance(name, str) and touches_secret(name))]

    def get_list_filter(self, request: Any) -> Any:
        return [item for item in super().get_list_filter(request) if not _filter_touches_secret(item)]

    def get_search_fields(self, request: Any) -> Any:
        return [name for name in super().get_search_fields(request) if not touches_secret(name)]

    def get_ordering(self, request: Any) -> Any:
        return [name for name in super().get_ordering(request) if not (isinstance(name, str) and touches_secret(name))]

    def get_readonly_fields(self, request: Any, obj: Any = None) -> Any:
        return [name for name in super().get_readonly_fields(request, obj) if not (isinstance(name, str) and touches_secret(name))]

    def get_fields(self, request: Any, obj: Any = None) -> Any:
        return [name for name in super().get_fields(request, obj) if self._shown(name)]

    def get_fieldsets(self, request: Any, obj: Any = None) -> Any:
        fieldsets = []
        for title, options in super().get_fieldsets(request, obj):
            fields = [row for row in (_row_without(row, self._shown) for row in options.get("fields", ())) if row]
            if fields:
                fieldsets.append((title, {**options, "fields": fields}))
        return fieldsets

    def get_form(self, request: Any, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        for name, field in list(form.base_fields.items()):
            if _is_password_row(field):
                # A copy: the declared field is shared with the form class it came from.
                form.base_fields[name] = field = copy.deepcopy(field)
                field.widget = _password_state_widget()()
        return form

    def get_inlines(self, request: Any, obj: Any) -> Any:
        return [secrets_guarded(inline) for inline in super().get_inlines(request, obj)]

    def get_changelist(self, request: Any, **kwargs: Any) -> type:
        return _changelist_guarded(super().get_changelist(request, **kwargs))

    def _shown(self, name: Any) -> bool:
        """Form inputs (a new password typed twice) stay; stored secrets go, except Django's
        password row, which `get_form` renders without its hash."""
        if not isinstance(name, str) or not touches_secret(name):
            return True
        if _is_password_row(getattr(self.form, "declared_fields", {}).get(name)):
            return True
        try:
            self.model._meta.get_field(name.split(LOOKUP_SEP)[0])
        except FieldDoesNotExist:
            return name not in (self.readonly_fields or ())
        return False


@functools.cache
def _changelist_guarded(changelist: type) -> type:
    """`?o=` sorts by a column's `admin_order_field`: none that is secret (an order is an oracle too)."""

    class GuardedChangeList(changelist):
        def get_ordering_field(self, field_name: Any) -> Any:
            order_field = super().get_ordering_field(field_name)
            return None if order_field is not None and touches_secret(str(order_field)) else order_field

    return GuardedChangeList


def _filter_touches_secret(item: Any) -> bool:
    if isinstance(item, str):
        return touches_secret(item)
    if isinstance(item, list | tuple) and item and isinstance(item[0], str):
        return touches_secret(item[0])
    return touches_secret(getattr(item, "parameter_name", "") or "")


def _row_without(row: Any, shown: Any) -> Any:
    """A fieldset row is a name or a tuple of names shown side by side."""
    if isinstance(row, list | tuple):
        return tuple(name for name in row if shown(name))
    return row if shown(row) else None


_guarded: dict[type, type] = {}


def secrets_guarded(admin_class: type) -> type:
    """`admin_class` with SecretFieldsGuard in front; one subclass per class, made once."""
    if issubclass(admin_class, SecretFieldsGuard):
        return admin_class
    if admin_class not in _guarded:
        attrs = {"__module__": admin_class.__module__, "__qualname__": admin_class.__qualname__, "__doc__": admin_class.__doc__}
        _guarded[admin_class] = type(admin_class.__name__, (SecretFieldsGuard, admin_class), attrs)
    return _guarded[admin_class]


class IndigoAdminSite(admin.AdminSite):
    # Issue 11: INDIGO's own header in the chosen language, not "Django administration"; the stock
    # admin strings the project shows are translated in the project catalogs (reports/admin_strings.py).
    site_header = _("INDIGO administration")
    site_title = _("INDIGO administration")
    index_title = _("Queue and seats administration")

    # Apps whose own name is a library's, not a word a clerk knows (issue 11: no English on a kk page).
    APP_NAMES = {"axes": _("Login attempts"), "django_otp": _("Second factor"), "otp_totp": _("Second factor"), "otp_static": _("Recovery codes")}

    def get_app_list(self, request: Any, app_label: str | None = None) -> list[dict[str, Any]]:
        apps = super().get_app_list(request, app_label)
        for app in apps:
            if app["app_label"] in self.APP_NAMES:
                app["name"] = self.APP_NAMES[app["app_label"]]
        return apps

    def register(self, model_or_iterable: Any, admin_class: type | None = None, **options: Any) -> None:
        super().register(model_or_iterable, secrets_guarded(admin_class or admin.ModelAdmin), **options)

    def get_urls(self) -> list[URLPattern | URLResolver]:
        from fairness import views as fairness_views
        from reports import forecast_views, views

        reports = [
            path("reports/", self.admin_view(views.reports_index), name="reports_index"),
            path("reports/queues/", self.admin_view(views.queue_sizes_page), name="reports_queues"),
            path("reports/queues.csv", self.admin_view(views.queue_sizes_csv), name="reports_queues_csv"),
            path("reports/seats/", self.admin_view(views.seat_weeks_page), name="reports_seats"),
            path("reports/seats.csv", self.admin_view(views.seat_weeks_csv), name="reports_seats_csv"),
            # Issue 12: the fairness audit (fairness/views.py).
            path("reports/fairness/", self.admin_view(fairness_views.fairness_audit_page), name="reports_fairness"),
            # Issue 12: the wait forecast's back-test (reports/forecast_views.py).
            path("reports/forecast/", self.admin_view(forecast_views.forecast_backtest_page), name="reports_forecast"),
        ]
        return reports + super().get_urls()


class IndigoAdminConfig(AdminConfig):
    default_site = "reports.admin_site.IndigoAdminSite"
