"""Beat jobs of the open data: thin, idempotent wrappers (a second run replaces the day's snapshot)."""

from celery import shared_task
from django.utils import timezone

from opendata.snapshot import snapshot_take


@shared_task
def snapshot_take_nightly() -> str:
    return snapshot_take(now=timezone.now()).name
