from django.urls import path

from core import health, views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("locality/", views.locality_choose, name="locality_choose"),
    # Issue 10: liveness and readiness for the orchestrator (core/health.py).
    path("health/", health.live, name="health_live"),
    path("health/ready/", health.ready, name="health_ready"),
]
