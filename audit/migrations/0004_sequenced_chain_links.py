"""The chain moves off the append path (issue 9): records are inserted with a MAC of their own,
a sequencer chains them a moment later into the insert-only `AuditLink`, and the head row that
every audited transaction locked (`AuditHead`) is gone.

Records written before keep their content and scheme (1 or 2); their chain number, previous hash
and hash move into their link unchanged, so the verifier walks one chain and checks them as they
were written. Moving the columns is DDL plus an INSERT: no audit row is updated, and the
append-only triggers stay on. The migration cannot be reversed (the old head would be guessed).
"""

import django.db.models.deletion
from django.db import migrations, models

import audit.models

COPY = """
INSERT INTO audit_auditlink (seq, record_id, prev_hash, hash, chained_at, xid_floor)
SELECT seq, id, prev_hash, hash, at, NULL FROM audit_auditrecord ORDER BY seq
"""
# Same refusals as the records' (0002, 0003): no UPDATE, DELETE or TRUNCATE of a link.
TRIGGERS = """
CREATE TRIGGER audit_link_append_only
  BEFORE UPDATE OR DELETE ON audit_auditlink
  FOR EACH ROW EXECUTE FUNCTION audit_record_append_only();
CREATE TRIGGER audit_link_no_truncate
  BEFORE TRUNCATE ON audit_auditlink
  FOR EACH STATEMENT EXECUTE FUNCTION audit_record_append_only();
"""


def copy_links(apps, schema_editor):
    schema_editor.execute(COPY)
    if schema_editor.connection.vendor == "postgresql":
        # Check the new links' foreign keys now: ALTER TABLE refuses a table with pending checks.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def link_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGERS)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_hmac_scheme_and_no_truncate")]

    operations = [
        migrations.CreateModel(
            name="AuditLink",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("seq", models.PositiveBigIntegerField(unique=True, verbose_name="sequence")),
                (
                    "record",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="link",
                        to="audit.auditrecord",
                        verbose_name="audit record",
                    ),
                ),
                ("prev_hash", models.CharField(max_length=64, verbose_name="previous hash")),
                ("hash", models.CharField(max_length=64, verbose_name="hash")),
                ("chained_at", models.DateTimeField(verbose_name="chained at")),
                ("xid_floor", models.BigIntegerField(blank=True, editable=False, null=True)),
            ],
            options={
                "verbose_name": "audit chain link",
                "verbose_name_plural": "audit chain links",
                "ordering": ["-seq"],
            },
        ),
        migrations.RunPython(copy_links),
        migrations.RemoveField(model_name="auditrecord", name="seq"),
        migrations.RemoveField(model_name="auditrecord", name="prev_hash"),
        migrations.RemoveField(model_name="auditrecord", name="hash"),
        migrations.AlterModelOptions(
            name="auditrecord",
            options={"ordering": ["-id"], "verbose_name": "audit record", "verbose_name_plural": "audit records"},
        ),
        migrations.AddField(
            model_name="auditrecord",
            name="mac",
            field=models.CharField(blank=True, default="", max_length=64, verbose_name="MAC"),
            preserve_default=False,
        ),
        # Added empty, then given its default: no rewrite of a large table.
        migrations.AddField(
            model_name="auditrecord",
            name="xid",
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AlterField(
            model_name="auditrecord",
            name="xid",
            field=models.BigIntegerField(blank=True, db_default=audit.models.InsertingTransaction(), editable=False, null=True),
        ),
        migrations.AlterField(
            model_name="auditrecord",
            name="scheme",
            field=models.PositiveSmallIntegerField(default=3, verbose_name="hash scheme"),
        ),
        migrations.RemoveConstraint(model_name="auditrecord", name="audit_scheme_known"),
        migrations.AddConstraint(
            model_name="auditrecord",
            constraint=models.CheckConstraint(condition=models.Q(("scheme__in", (1, 2, 3))), name="audit_scheme_known"),
        ),
        migrations.AddIndex(model_name="auditrecord", index=models.Index(fields=["xid"], name="audit_record_xid")),
        migrations.DeleteModel(name="AuditHead"),
        migrations.RunPython(link_triggers),
    ]
