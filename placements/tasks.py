"""Beat jobs (SPEC §5, §7): thin, idempotent wrappers; the clock is read here and nowhere deeper."""

from celery import shared_task
from django.utils import timezone

from placements import services


@shared_task
def bulletin_publish() -> int:
    bulletin = services.bulletin_publish(now=timezone.now())
    return bulletin.publications.count() if bulletin else 0


@shared_task
def seats_promote() -> int:
    return services.seats_promote(now=timezone.now())


@shared_task
def directions_expire() -> int:
    return services.directions_expire(now=timezone.now())


@shared_task
def directions_remind_expiring() -> int:
    return services.directions_remind_expiring(now=timezone.now())
