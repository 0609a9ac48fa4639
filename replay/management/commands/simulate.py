"""`python manage.py simulate SCENARIO.json` (SPEC §11): replay on a fresh, throw-away database."""

import json
import sys

from django.core.management.base import BaseCommand

from replay.simulation import ScenarioError, scenario_run, scenario_validate, throwaway_database


class Command(BaseCommand):
    help = "Replay a scenario (SPEC §11) on a fresh throw-away database and print the outcome as JSON."

    def add_arguments(self, parser):
        parser.add_argument("scenario", help="path to the scenario JSON file ('-' for standard input)")

    def handle(self, *args, scenario: str, **options):
        # SPEC §11: a malformed scenario exits 2 with one line naming the event (or the field). An
        # unreadable file or invalid JSON (ValueError covers bad UTF-8 too) is malformed as well.
        try:
            with sys.stdin if scenario == "-" else open(scenario, encoding="utf-8") as fh:
                doc = json.load(fh)
            scenario_validate(doc)
        except (OSError, ScenarioError, ValueError, RecursionError) as exc:
            message = " ".join(str(exc).split()) or type(exc).__name__
            self.stderr.write(f"simulate: malformed scenario: {message}")
            sys.exit(2)
        # Never the user's data: an in-memory SQLite database in this process (replay.simulation).
        with throwaway_database():
            output = scenario_run(doc)
        self.stdout.write(json.dumps(output, ensure_ascii=False, indent=2))
