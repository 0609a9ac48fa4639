"""Verify the audit chain against its seals (and a published copy of its heads): report the first
record that was altered or removed (exit 1)."""

import sys

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from audit.services import audit_verify, audit_waiting, seals_read


class Command(BaseCommand):
    help = "Chain what waits, then verify the keyed hash chain of the audit trail against the seals in AUDIT_SEAL_DIR."

    def add_arguments(self, parser):
        parser.add_argument(
            "--published",
            metavar="URL_OR_FILE",
            help="also hold the chain against a copy of /open/audit-heads.json kept elsewhere (a file or an http(s) address)",
        )

    def handle(self, *args, **options):
        checked, problem = audit_verify(now=timezone.now(), published=options["published"])
        if problem:
            self.stderr.write(f"audit trail TAMPERED WITH after {checked} good record(s): {problem}")
            sys.exit(1)
        seals, _ = seals_read()
        witnesses = f"{len(seals)} sealed head(s)" + (" and the published heads" if options["published"] else "")
        self.stdout.write(f"audit chain intact: {checked} record(s), consistent with {witnesses}")
        waiting = audit_waiting()
        if waiting:
            self.stdout.write(f"{waiting} record(s) wait to be chained (their transaction is still open, or a sequencer run is under way)")
        if checked and not seals:
            self.stdout.write(
                f"warning: no seals in {settings.AUDIT_SEAL_DIR}: a truncated or rolled-back trail would go unnoticed "
                "(audit_seal runs every 10 minutes with Celery beat)"
            )
