"""Gap-free numbers that people use (application and direction numbers)."""

from django.db import connection, transaction

from core.models import Counter


def sequence_next(name: str) -> int:
    """The next number of a named sequence: one `UPDATE … RETURNING` whose row lock serialises callers.

    Call it as late as possible in the transaction: the lock is held until commit.
    """
    table = Counter._meta.db_table
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET value = value + 1 WHERE name = %s RETURNING value", [name])
        row = cursor.fetchone()
        if row is not None:
            return row[0]
        Counter.objects.get_or_create(name=name)
        cursor.execute(f"UPDATE {table} SET value = value + 1 WHERE name = %s RETURNING value", [name])
        return cursor.fetchone()[0]
