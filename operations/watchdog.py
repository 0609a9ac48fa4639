"""The watchdog: notices scheduled work that did not happen (issue 10).

- bulletin late: after 18:10 Astana time, seats released before 18:00 today are still `released`
  and no bulletin was published today at or after 18:00 (SPEC §5);
- expiry behind: an active direction is more than 10 minutes past its valid_until (SPEC §7).

Readiness (operations/health.py) reports each problem; `watchdog_run`, called by a beat task every 5
minutes, also e-mails staff once per problem and day. Time is an argument.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.mail import send_mail

from core.calendar import ASTANA
from placements.models import Bulletin, Direction, Seat

logger = logging.getLogger(__name__)

BULLETIN_AT = dt.time(18, 0)
BULLETIN_GRACE = dt.timedelta(minutes=10)
EXPIRY_GRACE = dt.timedelta(minutes=10)
# An alert is remembered for its day; two days cover any clock skew around midnight.
ALERT_MEMORY_SECONDS = 2 * 24 * 3600


@dataclasses.dataclass(frozen=True)
class Problem:
    check: str  # "bulletin" or "expiry": the readiness check that reports it
    detail: str


def bulletin_late(*, now: dt.datetime) -> Problem | None:
    local = now.astimezone(ASTANA)
    due = dt.datetime.combine(local.date(), BULLETIN_AT, tzinfo=ASTANA)
    if local < due + BULLETIN_GRACE:
        return None
    if Bulletin.objects.filter(published_at__gte=due, published_at__lt=due + dt.timedelta(hours=6)).exists():
        return None
    waiting = Seat.objects.filter(state=Seat.State.RELEASED, released_at__lt=due).count()
    if not waiting:
        return None
    return Problem("bulletin", f"bulletin late: {waiting} seat(s) released before 18:00 on {local.date():%d.%m.%Y} are not published")


def expiry_behind(*, now: dt.datetime) -> Problem | None:
    overdue = Direction.objects.filter(status__in=Direction.ACTIVE_STATUSES, valid_until__lt=now - EXPIRY_GRACE)
    oldest = overdue.order_by("valid_until").values_list("valid_until", flat=True).first()
    if oldest is None:
        return None
    behind = int((now - oldest).total_seconds() // 60)
    return Problem("expiry", f"expiry behind: an active direction is {behind} minutes past its valid_until")


def watchdog_problems(*, now: dt.datetime) -> list[Problem]:
    return [problem for problem in (bulletin_late(now=now), expiry_behind(now=now)) if problem]


def alert_recipients() -> list[str]:
    """settings.ADMINS plus every active superuser with an e-mail, each once."""
    emails = [email for _name, email in getattr(settings, "ADMINS", [])]
    emails += get_user_model().objects.filter(is_superuser=True, is_active=True).exclude(email="").values_list("email", flat=True)
    return list(dict.fromkeys(email.strip().lower() for email in emails if email.strip()))


def watchdog_run(*, now: dt.datetime) -> list[Problem]:
    """Find the problems and e-mail staff about each once per Astana day. Idempotent, and safe with
    two beats: `cache.add` lets only the first run of the day claim a problem's alert."""
    problems = watchdog_problems(now=now)
    day = now.astimezone(ASTANA).date()
    for problem in problems:
        logger.error("watchdog: %s", problem.detail)
        recipients = alert_recipients()
        if not recipients:
            logger.warning("watchdog: no recipients (set ADMINS or give a superuser an e-mail)")
            continue
        key = f"watchdog:alert:{problem.check}:{day.isoformat()}"
        if not cache.add(key, now.isoformat(), timeout=ALERT_MEMORY_SECONDS):
            continue  # already sent today
        try:
            send_mail(
                subject=f"[INDIGO] {problem.detail.split(':')[0]}",
                message=f"{problem.detail}\n\nChecked at {now.astimezone(ASTANA):%d.%m.%Y %H:%M} Astana time. See /health/ready/.",
                from_email=None,
                recipient_list=recipients,
            )
        except Exception:
            cache.delete(key)  # not sent: the next run tries again
            raise
    return problems
