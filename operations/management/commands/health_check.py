"""`health_check`: the readiness checks from the command line, for container health checks.

python manage.py health_check          # every readiness check (operations/health.py); exit 1 if any fails
python manage.py health_check --beat   # only the beat heartbeat: the beat container's health check
"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from operations.health import heartbeat_check, readiness


class Command(BaseCommand):
    help = "Run the readiness checks (or only the beat heartbeat with --beat); exit status 1 when one fails."

    def add_arguments(self, parser):
        parser.add_argument("--beat", action="store_true", help="check only that the beat heartbeat is younger than 3 minutes")

    def handle(self, *args, beat: bool = False, **options):
        now = timezone.now()
        if beat:
            ok, detail = heartbeat_check(now=now)
            checks = {"beat": {"ok": ok, "detail": detail}}
        else:
            checks = readiness(now=now)
        failed = sorted(name for name, check in checks.items() if not check["ok"])
        self.stdout.write(json.dumps({"status": "fail" if failed else "ok", "checks": checks}, ensure_ascii=False))
        if failed:
            raise CommandError(f"failing: {', '.join(failed)}")
