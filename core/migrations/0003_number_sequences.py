"""Application and direction numbers from PostgreSQL sequences (issue 9): nextval takes a number
without a lock held to commit. Started past the numbers in use and the old Counter values.
Nothing to do on SQLite, which keeps the Counter rows (core.sequences)."""

from django.db import migrations

SEQUENCES = (
    ("indigo_application_number", "queues_application", "application"),
    ("indigo_direction_number", "placements_direction", "direction"),
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for sequence, table, name in SEQUENCES:
            cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {sequence} AS bigint MINVALUE 1")
            cursor.execute(
                f"SELECT GREATEST((SELECT COALESCE(MAX(number), 0) FROM {table}), (SELECT COALESCE(MAX(value), 0) FROM core_counter WHERE name = %s))",
                [name],
            )
            last = cursor.fetchone()[0]
            cursor.execute("SELECT setval(%s, %s, %s)", [sequence, max(last, 1), last >= 1])


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for sequence, table, name in SEQUENCES:
            # Back to the Counter rows: they continue after the numbers the sequences gave.
            cursor.execute(f"SELECT COALESCE(MAX(number), 0) FROM {table}")
            used = cursor.fetchone()[0]
            cursor.execute(
                "INSERT INTO core_counter (name, value) VALUES (%s, %s) ON CONFLICT (name) DO UPDATE SET value = GREATEST(core_counter.value, EXCLUDED.value)",
                [name, used],
            )
            cursor.execute(f"DROP SEQUENCE IF EXISTS {sequence}")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_form_token"),
        ("queues", "0001_initial"),
        ("placements", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
