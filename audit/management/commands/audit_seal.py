"""Seal the audit chain's head outside the database (beat runs it every 10 minutes; see audit/services.py)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from audit.services import audit_seal


class Command(BaseCommand):
    help = "Append the audit chain's head (number, hash, time), signed with AUDIT_KEY, to the seal file in AUDIT_SEAL_DIR."

    def handle(self, *args, **options):
        seal = audit_seal(now=timezone.now())
        if seal is None:
            self.stdout.write("audit trail empty: nothing to seal")
        else:
            self.stdout.write(f"sealed record #{seal['seq']} at {seal['at']}")
