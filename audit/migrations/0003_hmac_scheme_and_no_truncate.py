"""The chain becomes an HMAC under settings.AUDIT_KEY; PostgreSQL also refuses TRUNCATE.

Records already written keep their plain SHA-256 hashes, marked scheme 1, and verify as before:
re-hashing them would rewrite history (and launder any earlier tampering). Every new record is
scheme 2. Adding the column with a constant default fills the old rows without an UPDATE, so the
append-only trigger is not in the way.

The owner of the table can still disable these triggers; the key and the seals (audit_seal) are
what make a rewrite or a truncation detectable then.
"""

from django.db import migrations, models

CREATE = """
CREATE TRIGGER audit_record_no_truncate
  BEFORE TRUNCATE ON audit_auditrecord
  FOR EACH STATEMENT EXECUTE FUNCTION audit_record_append_only();
"""
DROP = "DROP TRIGGER IF EXISTS audit_record_no_truncate ON audit_auditrecord;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_trigger")]

    operations = [
        # Existing rows: scheme 1 (plain SHA-256)...
        migrations.AddField(
            model_name="auditrecord",
            name="scheme",
            field=models.PositiveSmallIntegerField(default=1, verbose_name="hash scheme"),
        ),
        # ...new ones: scheme 2 (HMAC-SHA256), set by audit_record.
        migrations.AlterField(
            model_name="auditrecord",
            name="scheme",
            field=models.PositiveSmallIntegerField(default=2, verbose_name="hash scheme"),
        ),
        migrations.AddConstraint(
            model_name="auditrecord",
            constraint=models.CheckConstraint(condition=models.Q(("scheme__in", (1, 2))), name="audit_scheme_known"),
        ),
        migrations.RunPython(forwards, backwards),
    ]
