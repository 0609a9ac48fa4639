"""The ICU collation `indigo_kk_natural` (issue 11, item 8): Kazakh alphabetical order, numbers by
value («№2» before «№11»), for core.collation.name_order. PostgreSQL only; a server built without
ICU gets a copy of "C" under the same name, so queries keep working (in byte order)."""

from django.db import migrations

COLLATION = "indigo_kk_natural"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_collation WHERE collprovider = 'i')")
        if cursor.fetchone()[0]:
            cursor.execute(f"CREATE COLLATION IF NOT EXISTS {COLLATION} (provider = icu, locale = 'kk-KZ-u-kn-true')")
        else:
            cursor.execute(f'CREATE COLLATION IF NOT EXISTS {COLLATION} FROM "C"')


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"DROP COLLATION IF EXISTS {COLLATION}")


class Migration(migrations.Migration):
    dependencies = [("core", "0003_number_sequences")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
