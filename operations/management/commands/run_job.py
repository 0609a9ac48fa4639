"""Run a scheduled job by hand, now or as of a past moment (catch-up after the worker was down)."""

from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.calendar import ASTANA
from core.moments import parse_moment
from operations.retention import retention_run
from placements.bulletin import bulletin_publish
from placements.directions import directions_remind_expiring
from placements.expiry import directions_expire
from placements.seats import seats_promote
from queues import services as queues

JOBS: dict[str, Callable] = {
    "bulletin": bulletin_publish,
    "promote": seats_promote,
    "expire": directions_expire,
    "remind": directions_remind_expiring,
    "over_age": queues.applications_archive_over_age,
    "retention": retention_run,
}


class Command(BaseCommand):
    help = "Run one scheduled job: bulletin, promote, expire, remind, over_age (SPEC §3, §5, §7) or retention."

    def add_arguments(self, parser):
        parser.add_argument("job", choices=sorted(JOBS))
        parser.add_argument("--at", help="the moment to run as (ISO 8601, Astana time if no offset); default now")

    def handle(self, *args, job: str, at: str | None = None, **options):
        try:
            now = parse_moment(at) if at else timezone.now()
        except ValueError as exc:
            raise CommandError(f"--at: not an ISO 8601 moment: {at!r}") from exc
        result = JOBS[job](now=now)
        if job == "bulletin":
            result = result.publications.count() if result else 0
        self.stdout.write(f"{job} at {now.astimezone(ASTANA).isoformat(timespec='seconds')}: {result}")
