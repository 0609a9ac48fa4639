"""The bench's bare claim endpoint in front of the product's URLs (bench.bare.settings only)."""

from django.urls import include, path

from bench.bare.views import bare_claim

urlpatterns = [
    path("bench/bare-claim/", bare_claim, name="bench_bare_claim"),
    path("", include("indigo.urls")),
]

handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
