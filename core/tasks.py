"""Beat job: forget used one-time form tokens after a day (core/once.py); a thin, idempotent wrapper."""

from celery import shared_task
from django.utils import timezone

from core.once import form_tokens_sweep as sweep


@shared_task
def form_tokens_sweep() -> int:
    return sweep(now=timezone.now())
