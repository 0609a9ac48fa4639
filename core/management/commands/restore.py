"""`manage.py restore FOLDER [--database-url URL]`: a backup into an empty database, then its row
counts are held against the manifest (core/backup.py). Exit 1 when they differ."""

import environ
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup folder into an EMPTY PostgreSQL database and check its row counts against the manifest."

    def add_arguments(self, parser):
        parser.add_argument("folder", help="a folder made by `manage.py backup`")
        parser.add_argument("--database-url", help="the empty database to restore into (default: DATABASE_URL)")
        parser.add_argument("--media-root", help="where the private media go (default: PRIVATE_MEDIA_ROOT)")

    def handle(self, *args, folder: str, database_url: str | None, media_root: str | None, **options):
        params = environ.Env.db_url_config(database_url) if database_url else settings.DATABASES["default"]
        if "postgresql" not in params.get("ENGINE", ""):
            raise CommandError("restore is for PostgreSQL")
        try:
            differ = backup_restore(source=folder, params=params, media_root=media_root or settings.PRIVATE_MEDIA_ROOT)
        except BackupError as error:
            raise CommandError(str(error)) from error
        if differ:
            lines = "; ".join(f"{table}: {expected} in the manifest, {restored} restored" for table, (expected, restored) in sorted(differ.items()))
            raise CommandError(f"the restore is not whole: {lines}")
        self.stdout.write(f"restored {folder} into {params.get('NAME')}: every table's row count matches the manifest")
