from django.contrib import admin
from django.urls import include, path

from audit import views as audit_views

urlpatterns = [
    path("", include("portal.urls")),
    # Issue 10: /health/, /health/ready/ and /metrics (operations/urls.py).
    path("", include("operations.urls")),
    # The audit chain's sealed heads as open data (audit/views.py).
    path("open/audit-heads.json", audit_views.audit_heads_json, name="audit_heads_json"),
    # Issue 12: the fairness audit's public summary (fairness/views.py).
    path("open/fairness/", include("fairness.urls")),
    path("open/", include("opendata.urls")),
    path("", include("accounts.urls")),
    path("", include("queues.urls")),
    path("demo-phone/", include("notifications.urls")),
    path("operator/", include("placements.operator.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

# INDIGO's own pages in the visitor's language (the 500 one also answers 503 when the database is down).
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
