"""Check a snapshot folder against its manifest (and the day before): runs tools/snapshot_verify.py,
the stand-alone checker anyone can run without INDIGO, so both give the same verdicts."""

import importlib.util
import io
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

TOOL = Path(settings.BASE_DIR) / "tools" / "snapshot_verify.py"


def checker():
    spec = importlib.util.spec_from_file_location("indigo_snapshot_verify", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Command(BaseCommand):
    help = "Verify an open-data snapshot: SHA-256 and row counts against manifest.json, SPEC §4 order, and with --previous every move explained by the events."

    def add_arguments(self, parser):
        parser.add_argument("folder", help="the snapshot folder (with manifest.json)")
        parser.add_argument("--previous", help="the snapshot folder of the day before")

    def handle(self, *args, folder: str, previous: str | None = None, **options):
        argv = [folder] + (["--previous", previous] if previous else [])
        out = io.StringIO()
        code = checker().main(argv, out=out)
        self.stdout.write(out.getvalue(), ending="")
        if code != 0:
            raise CommandError("the snapshot does not verify")
