"""`manage.py fairness_audit --from DATE --to DATE [--json] [--no-save]` (issue 12, item 3).

Replays the days (Astana time, both inclusive) from the recorded history through the rules and
prints every finding. Exit code: 0 when the period is clean, 1 when anything was found, 2 when the
arguments are wrong. The run is kept (one per period) for the admin report and /open/fairness/.
"""

import datetime as dt
import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.moments import parse_date
from fairness.services import fairness_audit_run


def _date(value: str) -> dt.date:
    try:
        return parse_date(value)
    except ValueError as exc:
        raise CommandError(f"not a date YYYY-MM-DD: {value!r}") from exc


class Command(BaseCommand):
    help = "Replay a period from the recorded events and report every direction, grant and seat the rules did not allow."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", required=True, help="first day, YYYY-MM-DD (Astana time)")
        parser.add_argument("--to", dest="last", required=True, help="last day, YYYY-MM-DD (inclusive)")
        parser.add_argument("--json", action="store_true", help="print the result as one JSON document")
        parser.add_argument("--no-save", action="store_true", help="do not keep the run for the admin and the public summary")

    def handle(self, *args, first: str, last: str, json: bool = False, no_save: bool = False, **options):
        first_day, last_day = _date(first), _date(last)
        if first_day > last_day:
            raise CommandError("--from is after --to")
        result, _ = fairness_audit_run(first=first_day, last=last_day, now=timezone.now(), save=not no_save)
        summary = {
            "from": first_day.isoformat(),
            "to": last_day.isoformat(),
            "bulletins_checked": result.bulletins_checked,
            "directions_checked": result.directions_checked,
            "grants_checked": result.grants_checked,
            "seats_checked": result.seats_checked,
            "counts": result.counts(),
        }
        if json:
            self.stdout.write(_dumps({**summary, "findings": result.findings}))
        else:
            self.stdout.write(
                f"{summary['from']}…{summary['to']}: {result.bulletins_checked} bulletins, {result.directions_checked} directions, "
                f"{result.grants_checked} grants, {result.seats_checked} seats checked; {len(result.findings)} findings"
            )
            for finding in result.findings:
                ids = " ".join(f"{k}={finding[k]}" for k in ("bulletin", "direction_number", "application_number", "seat") if finding.get(k) is not None)
                self.stdout.write(f"  {finding['at']} {finding['kind']} ({finding['reason']}) {ids}")
        sys.exit(1 if result.findings else 0)


def _dumps(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2)
