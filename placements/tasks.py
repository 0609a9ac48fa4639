"""Beat jobs (SPEC §5, §7): thin, idempotent wrappers; the clock is read here and nowhere deeper."""

import time

from celery import shared_task
from django.utils import timezone

from core.metrics import metrics_bulletin, metrics_directions_expired
from placements import bulletin, directions, expiry, seats


@shared_task
def bulletin_publish() -> int:
    now, started = timezone.now(), time.monotonic()
    published = bulletin.bulletin_publish(now=now)
    seconds = time.monotonic() - started
    count = published.publications.count() if published else 0
    # Issue 10: the job's runs, duration, seats and grants for /metrics (core/metrics.py).
    metrics_bulletin(seconds=seconds, seats=count, grants=published.grants.count() if published else 0, at=now.timestamp())
    return count


@shared_task
def seats_promote() -> int:
    return seats.seats_promote(now=timezone.now())


@shared_task
def directions_expire() -> int:
    count = expiry.directions_expire(now=timezone.now())
    metrics_directions_expired(count=count, via="job")
    return count


@shared_task
def directions_remind_expiring() -> int:
    return directions.directions_remind_expiring(now=timezone.now())
