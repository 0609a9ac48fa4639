"""`python manage.py simulate SCENARIO.json` (SPEC §11): replay on a fresh, throw-away database."""

import json
import os
import sys

from django.core.management.base import BaseCommand
from django.db import connection

from core.simulation import ScenarioError, scenario_run, scenario_validate

IN_MEMORY_FLAG = "INDIGO_SIMULATE_IN_MEMORY"


class Command(BaseCommand):
    help = "Replay a scenario (SPEC §11) on a fresh throw-away database and print the outcome as JSON."

    def add_arguments(self, parser):
        parser.add_argument("scenario", help="path to the scenario JSON file ('-' for standard input)")

    def handle(self, *args, scenario: str, **options):
        # Never the user's data: the replay runs in a throw-away in-memory SQLite database (the
        # engine behaves the same on PostgreSQL — the scenario tests run on both — and SQLite in
        # memory is three times faster and needs no CREATE DATABASE right). With PostgreSQL
        # configured, the command re-executes itself on SQLite before touching any database.
        if connection.vendor != "sqlite" and not os.environ.get(IN_MEMORY_FLAG):
            environment = {**os.environ, "DATABASE_URL": "sqlite://:memory:", IN_MEMORY_FLAG: "1"}
            sys.stdout.flush()
            os.execve(sys.executable, [sys.executable, *sys.argv], environment)
        try:
            with sys.stdin if scenario == "-" else open(scenario, encoding="utf-8") as fh:
                doc = json.load(fh)
            scenario_validate(doc)
        except (OSError, json.JSONDecodeError, ScenarioError) as exc:
            self.stderr.write(f"simulate: malformed scenario: {exc}")
            sys.exit(2)
        old_name = connection.settings_dict["NAME"]
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        try:
            output = scenario_run(doc)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        self.stdout.write(json.dumps(output, ensure_ascii=False, indent=2))
