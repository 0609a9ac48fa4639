"""Numbers that people use (application and direction numbers).

On PostgreSQL each is a database sequence: `nextval` takes a number without a lock that the
taker holds to its commit, so thousands of claims at 07:00 do not wait in one line (issue 9). A
transaction that rolls back after taking a number leaves a gap; the public directions protocol
shows such a gap as a number not issued (opendata.selectors.directions).

Elsewhere (SQLite: the demo, `make run`, `simulate`) a `Counter` row is the sequence: SQLite
serialises writers anyway, and the row rolls back with its transaction, so numbers stay gap-free
and a replay numbers exactly as before.
"""

from __future__ import annotations

from django.db import connection, transaction

from core.models import Counter

# name → (PostgreSQL sequence, table, column holding the numbers)
SEQUENCES: dict[str, tuple[str, str, str]] = {
    "application": ("indigo_application_number", "queues_application", "number"),
    "direction": ("indigo_direction_number", "placements_direction", "number"),
}


def uses_database_sequences() -> bool:
    return connection.vendor == "postgresql"


def sequence_sql(name: str) -> str:
    """The SQL expression taking the next number, for a statement that takes it itself (PostgreSQL)."""
    return f"nextval('{SEQUENCES[name][0]}')"


def sequence_next(name: str) -> int:
    """The next number of a named sequence."""
    if uses_database_sequences() and name in SEQUENCES:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {sequence_sql(name)}")
            return cursor.fetchone()[0]
    return _counter_next(name)


def _counter_next(name: str) -> int:
    """One `UPDATE … RETURNING` whose row lock serialises callers until commit (gap-free)."""
    table = Counter._meta.db_table
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET value = value + 1 WHERE name = %s RETURNING value", [name])
        row = cursor.fetchone()
        if row is not None:
            return row[0]
        Counter.objects.get_or_create(name=name)
        cursor.execute(f"UPDATE {table} SET value = value + 1 WHERE name = %s RETURNING value", [name])
        return cursor.fetchone()[0]


def sequences_sync() -> None:
    """Move each sequence past the largest number in its table and its old Counter value; never back.

    Call it after numbers were inserted explicitly (a bulk load, a restore). On SQLite the Counter
    rows are moved the same way."""
    with connection.cursor() as cursor:
        for name, (sequence, table, column) in SEQUENCES.items():
            cursor.execute(f"SELECT COALESCE(MAX({column}), 0) FROM {table}")
            used = cursor.fetchone()[0]
            counter = Counter.objects.filter(name=name).values_list("value", flat=True).first() or 0
            if uses_database_sequences():
                cursor.execute(f"SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM {sequence}")
                taken = cursor.fetchone()[0]
                last = max(used, counter, taken)
                # setval(…, false): the next nextval returns exactly 1 on an empty table.
                cursor.execute("SELECT setval(%s, %s, %s)", [sequence, max(last, 1), last >= 1])
            elif used > counter:
                Counter.objects.update_or_create(name=name, defaults={"value": used})
