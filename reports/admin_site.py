"""The admin site with the staff reports under /admin/reports/ (SPEC §10: reports for staff).

Django's documented way to add pages to the admin: a site subclass named by the admin's AppConfig
(INSTALLED_APPS lists `reports.admin_site.IndigoAdminConfig` in place of `django.contrib.admin`).
The reports share the admin's login, its never-cache and staff checks, and its URL namespace.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.urls import URLPattern, URLResolver, path


class IndigoAdminSite(admin.AdminSite):
    def get_urls(self) -> list[URLPattern | URLResolver]:
        from reports import views

        reports = [
            path("reports/", self.admin_view(views.reports_index), name="reports_index"),
            path("reports/queues/", self.admin_view(views.queue_sizes_page), name="reports_queues"),
            path("reports/queues.csv", self.admin_view(views.queue_sizes_csv), name="reports_queues_csv"),
            path("reports/seats/", self.admin_view(views.seat_weeks_page), name="reports_seats"),
            path("reports/seats.csv", self.admin_view(views.seat_weeks_csv), name="reports_seats_csv"),
        ]
        return reports + super().get_urls()


class IndigoAdminConfig(AdminConfig):
    default_site = "reports.admin_site.IndigoAdminSite"
