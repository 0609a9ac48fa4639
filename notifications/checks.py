"""`manage.py check --deploy`: no SMS or e-mail is sent inside a web request.

Messages are rows first (the outbox), handed to the broker after commit; a worker calls the
gateway. With CELERY_TASK_ALWAYS_EAGER the "broker" is the request itself: at the 07:00 rush every
family would wait for the SMS gateway, and a slow gateway would hold the web workers."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.compatibility, deploy=True)
def tasks_not_eager_check(app_configs, **kwargs) -> list[Error]:
    if not getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        return []
    return [
        Error(
            "CELERY_TASK_ALWAYS_EAGER is on: SMS and e-mail would be sent inside web requests.",
            hint="Unset CELERY_TASK_ALWAYS_EAGER in production and run a Celery worker (README: Operations).",
            id="notifications.E001",
        )
    ]
