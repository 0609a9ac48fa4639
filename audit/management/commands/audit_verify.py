"""Verify the audit chain and its seals: report the first record that was altered or removed (exit 1)."""

import sys

from django.conf import settings
from django.core.management.base import BaseCommand

from audit.services import audit_verify, seals_read


class Command(BaseCommand):
    help = "Verify the keyed hash chain of the audit trail against the seals in AUDIT_SEAL_DIR."

    def handle(self, *args, **options):
        checked, problem = audit_verify()
        if problem:
            self.stderr.write(f"audit trail TAMPERED WITH after {checked} good record(s): {problem}")
            sys.exit(1)
        seals, _ = seals_read()
        self.stdout.write(f"audit chain intact: {checked} record(s), consistent with {len(seals)} sealed head(s)")
        if checked and not seals:
            self.stdout.write(
                f"warning: no seals in {settings.AUDIT_SEAL_DIR}: a truncated or rolled-back trail would go unnoticed "
                "(audit_seal runs every 10 minutes with Celery beat)"
            )
