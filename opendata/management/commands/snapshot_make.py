"""Write today's open-data snapshot by hand (the beat does it at 02:30), then prune old days."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.moments import parse_moment
from opendata.snapshot import snapshot_make, snapshots_prune


class Command(BaseCommand):
    help = "Write the open-data snapshot (issue 12) into SNAPSHOT_DIR/<date>/ and delete days beyond SNAPSHOT_KEEP_DAYS."

    def add_arguments(self, parser):
        parser.add_argument(
            "--at",
            help="the moment the snapshot is labelled with and its events end (ISO 8601, Astana time if no offset); default now. The data is as it is now.",
        )

    def handle(self, *args, at: str | None = None, **options):
        try:
            now = parse_moment(at) if at else timezone.now()
        except ValueError as exc:
            raise CommandError(f"--at: not an ISO 8601 moment: {at!r}") from exc
        folder = snapshot_make(now=now)
        gone = snapshots_prune(now=now)
        self.stdout.write(f"snapshot written: {folder}")
        if gone:
            self.stdout.write(f"deleted: {', '.join(gone)}")
