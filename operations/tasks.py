"""Beat jobs of running the service (issue 10); thin, idempotent wrappers.

The beat's sign of life (readiness fails when it is older than 3 minutes), the watchdog of the
bulletin and the expiry, the daily retention, and the sweep of messages whose task was lost.
"""

from celery import shared_task
from django.utils import timezone

from notifications.services import messages_resend_stuck as resend_stuck
from operations.health import heartbeat_record
from operations.retention import retention_run as run
from operations.watchdog import watchdog_run


@shared_task
def heartbeat() -> None:
    heartbeat_record(now=timezone.now())


@shared_task
def watchdog() -> int:
    return len(watchdog_run(now=timezone.now()))


@shared_task
def retention_run() -> dict[str, int]:
    """Delete or mask what is no longer needed (operations/retention.py)."""
    return run(now=timezone.now())


@shared_task(ignore_result=True)
def messages_resend_stuck() -> int:
    """Dispatch again the messages still queued 10 minutes after their (re)try was due
    (notifications.services.messages_resend_stuck)."""
    return resend_stuck(now=timezone.now())
