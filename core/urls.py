from django.urls import path

from core import health, metrics_export, views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("locality/", views.locality_choose, name="locality_choose"),
    # Issue 10: liveness and readiness for the orchestrator (core/health.py).
    path("health/", health.live, name="health_live"),
    path("health/ready/", health.ready, name="health_ready"),
    # Issue 10: Prometheus metrics, for a scraper holding METRICS_TOKEN (core/metrics_export.py).
    path("metrics", metrics_export.metrics_page, name="metrics"),
]
