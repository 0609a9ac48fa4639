from django.urls import path

from operations import health, metrics_export

app_name = "operations"

urlpatterns = [
    # Issue 10: liveness and readiness for the orchestrator (operations/health.py).
    path("health/", health.live, name="health_live"),
    path("health/ready/", health.ready, name="health_ready"),
    # Issue 10: Prometheus metrics, for a scraper holding METRICS_TOKEN (operations/metrics_export.py).
    path("metrics", metrics_export.metrics_page, name="metrics"),
]
