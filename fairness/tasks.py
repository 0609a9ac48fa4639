"""Beat job (issue 12): the fairness audit of the previous day, nightly; re-running replaces it."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from core.calendar import local
from fairness.services import fairness_audit_run


@shared_task
def fairness_audit_yesterday() -> int:
    now = timezone.now()
    yesterday = local(now).date() - dt.timedelta(days=1)
    result, _ = fairness_audit_run(first=yesterday, last=yesterday, now=now)
    return len(result.findings)
