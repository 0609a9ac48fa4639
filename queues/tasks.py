"""Beat job for SPEC §3 over-age archival: a thin, idempotent wrapper."""

from celery import shared_task
from django.utils import timezone

from queues import services


@shared_task
def applications_archive_over_age() -> int:
    return services.applications_archive_over_age(now=timezone.now())


@shared_task
def pending_documents_sweep() -> int:
    from queues.documents import pending_documents_sweep as sweep

    return sweep()
