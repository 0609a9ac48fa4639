"""Beat jobs: thin, idempotent wrappers (a second run of either is harmless)."""

from celery import shared_task
from django.utils import timezone

from audit import services


@shared_task
def audit_chain() -> int:
    return services.audit_chain(now=timezone.now())


@shared_task
def audit_seal() -> int:
    seal = services.audit_seal(now=timezone.now())
    return seal["seq"] if seal else 0
