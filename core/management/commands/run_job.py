"""Run a scheduled job by hand, now or as of a past moment (catch-up after the worker was down)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.calendar import ASTANA

JOBS = {
    "bulletin": ("placements.bulletin", "bulletin_publish"),
    "promote": ("placements.seats", "seats_promote"),
    "expire": ("placements.expiry", "directions_expire"),
    "remind": ("placements.directions", "directions_remind_expiring"),
    "over_age": ("queues.services", "applications_archive_over_age"),
    "retention": ("core.retention", "retention_run"),
}


def parse_moment(value: str) -> dt.datetime:
    """ISO 8601; a time without an offset is Astana time."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--at: not an ISO 8601 moment: {value!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=ASTANA)


class Command(BaseCommand):
    help = "Run one scheduled job: bulletin, promote, expire, remind, over_age (SPEC §3, §5, §7) or retention."

    def add_arguments(self, parser):
        parser.add_argument("job", choices=sorted(JOBS))
        parser.add_argument("--at", help="the moment to run as (ISO 8601, Astana time if no offset); default now")

    def handle(self, *args, job: str, at: str | None = None, **options):
        import importlib

        module, name = JOBS[job]
        now = parse_moment(at) if at else timezone.now()
        result = getattr(importlib.import_module(module), name)(now=now)
        if job == "bulletin":
            result = result.publications.count() if result else 0
        self.stdout.write(f"{job} at {now.astimezone(ASTANA).isoformat(timespec='seconds')}: {result}")
