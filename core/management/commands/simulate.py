"""`python manage.py simulate SCENARIO.json` (SPEC §11): replay on a fresh, throw-away database."""

import json
import os
import sys

from django.core.management.base import BaseCommand
from django.db import connection

from core.simulation import ScenarioError, scenario_run, scenario_validate


class Command(BaseCommand):
    help = "Replay a scenario (SPEC §11) on a fresh throw-away database and print the outcome as JSON."

    def add_arguments(self, parser):
        parser.add_argument("scenario", help="path to the scenario JSON file ('-' for standard input)")

    def handle(self, *args, scenario: str, **options):
        try:
            with sys.stdin if scenario == "-" else open(scenario, encoding="utf-8") as fh:
                doc = json.load(fh)
            scenario_validate(doc)
        except (OSError, json.JSONDecodeError, ScenarioError) as exc:
            self.stderr.write(f"simulate: malformed scenario: {exc}")
            sys.exit(2)
        # Never the user's data: Django's test-database machinery gives a fresh database (in memory
        # for SQLite, a uniquely named throw-away database for PostgreSQL), migrated, then dropped.
        connection.settings_dict.setdefault("TEST", {})
        if connection.vendor != "sqlite":
            connection.settings_dict["TEST"]["NAME"] = f"indigo_simulate_{os.getpid()}"
        old_name = connection.settings_dict["NAME"]
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        try:
            output = scenario_run(doc)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        self.stdout.write(json.dumps(output, ensure_ascii=False, indent=2))
