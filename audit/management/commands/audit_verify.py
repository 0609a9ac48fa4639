"""Verify the audit chain: report the first record that was altered or removed (exit 1)."""

import sys

from django.core.management.base import BaseCommand

from audit.services import audit_verify


class Command(BaseCommand):
    help = "Verify the hash chain of the audit trail."

    def handle(self, *args, **options):
        checked, problem = audit_verify()
        if problem:
            self.stderr.write(f"audit chain BROKEN after {checked} good record(s): {problem}")
            sys.exit(1)
        self.stdout.write(f"audit chain intact: {checked} record(s)")
