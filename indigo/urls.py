from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("core.urls")),
    path("open/", include("opendata.urls")),
    path("", include("accounts.urls")),
    path("", include("queues.urls")),
    path("demo-phone/", include("notifications.urls")),
    path("operator/", include("placements.operator.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
