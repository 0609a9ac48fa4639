from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Running the service: health, the watchdog, retention, /metrics, `run_job` (issue 10)."""

    name = "operations"
