"""Application and direction numbers from 1 again, for tests that show or count them.

A PostgreSQL sequence (core.sequences) is not rolled back with a test's transaction, so a test's
first number is 1 only after a restart; on SQLite the Counter rows roll back with the test anyway."""

from django.db import connection

from core.sequences import SEQUENCES


def numbers_restart() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for sequence, _table, _column in SEQUENCES.values():
                cursor.execute(f"ALTER SEQUENCE {sequence} RESTART")
