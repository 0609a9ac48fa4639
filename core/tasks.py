"""Beat job: forget used one-time form tokens after a day (core/once.py); a thin, idempotent wrapper."""

from celery import shared_task
from django.utils import timezone

from core.once import form_tokens_sweep as sweep


@shared_task
def form_tokens_sweep() -> int:
    return sweep(now=timezone.now())


# Issue 10: the beat's sign of life (readiness fails when it is older than 3 minutes) and the
# watchdog of the bulletin and the expiry; thin, idempotent wrappers.
@shared_task
def heartbeat() -> None:
    from core.health import heartbeat_record

    heartbeat_record(now=timezone.now())


@shared_task
def watchdog() -> int:
    from core.watchdog import watchdog_run

    return len(watchdog_run(now=timezone.now()))


@shared_task
def retention_run() -> dict[str, int]:
    """Beat job (issue 10): delete or mask what is no longer needed (core/retention.py)."""
    from core.retention import retention_run as run

    return run(now=timezone.now())
