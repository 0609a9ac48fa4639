"""Chain the audit records not chained yet (beat runs it every 5 seconds; this is the catch-up)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from audit.services import audit_chain, audit_waiting


class Command(BaseCommand):
    help = "Append every audit record not chained yet to the audit chain (the sequencer), in batches."

    def handle(self, *args, **options):
        chained = audit_chain(now=timezone.now())
        waiting = audit_waiting()
        self.stdout.write(f"chained {chained} record(s); {waiting} wait (another run under way, or their transaction is still open)")
