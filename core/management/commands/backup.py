"""`manage.py backup [--dir DIR]`: the database and the private media, with a manifest (core/backup.py)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.backup import BackupError, backup_make


class Command(BaseCommand):
    help = "Back up the database (pg_dump, custom format) and the private media into a new folder with a manifest."

    def add_arguments(self, parser):
        parser.add_argument("--dir", default="var/backups", help="where the backup folder is made (default var/backups)")

    def handle(self, *args, dir: str, **options):
        try:
            folder = backup_make(directory=dir, now=timezone.localtime())
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"backup made: {folder}")
