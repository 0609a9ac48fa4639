"""`manage.py import_applications FILE.csv`: import the old portal's queue (columns: queues/importing.py)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone, translation
from django.utils.translation import gettext

from audit.context import Actor, acting_as
from queues.importing import ImportReport, applications_import, import_summary


class Command(BaseCommand):
    help = "Import the old portal's applications from a CSV file: all rows, or none with every bad row listed (exit status 1)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="CSV in UTF-8, delimiter , or ;")
        parser.add_argument("--dry-run", action="store_true", help="check every row and save nothing")
        parser.add_argument("--language", default=settings.LANGUAGE_CODE, choices=[code for code, _ in settings.LANGUAGES], help="language of the report")

    def handle(self, *args, file: Path, dry_run: bool, language: str, **options) -> None:
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror}") from exc
        with translation.override(language), acting_as(Actor(kind="system", label=f"import_applications {file.name}"[:150])):
            report = applications_import(file=data, now=timezone.now(), dry_run=dry_run)
            self._write(report)
            summary = import_summary(report)
        if report.errors:
            raise CommandError(summary)  # exit status 1: nothing was saved
        self.stdout.write(self.style.SUCCESS(summary))

    def _write(self, report: ImportReport) -> None:
        for error in report.errors:
            where = ", ".join(part for part in (gettext("row %(row)d") % {"row": error.row} if error.row else "", error.column) if part)
            self.stderr.write(f"{where}: {error.message}" if where else error.message)
