"""SPEC §4 at a country's scale: the effective class as a stored generated column, and one partial
index per queue kind that serves a class of one queue in order (issue 9)."""

import django.db.models.expressions
from django.db import migrations, models


def _autovacuum_often(apps, schema_editor):
    # Index-only counts skip the heap only on pages the visibility map marks all-visible; claims and
    # returns dirty pages all day, so vacuum this table after 1% of it changed, not the default 20%.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE queues_application SET (autovacuum_vacuum_scale_factor = 0.01, "
            "autovacuum_vacuum_insert_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02)"
        )


def _autovacuum_default(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE queues_application RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_insert_scale_factor, autovacuum_analyze_scale_factor)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("queues", "0003_application_legacy_number"),
    ]

    operations = [
        migrations.AddField(
            model_name="application",
            name="queue_class",
            field=models.GeneratedField(
                db_persist=True,
                expression=models.Case(
                    models.When(benefit_status="rejected", then=models.Value("none")),
                    default=django.db.models.expressions.F("benefit"),
                ),
                output_field=models.CharField(max_length=16),
                verbose_name="class in the queue",
            ),
        ),
        migrations.AddIndex(
            model_name="application",
            index=models.Index(
                condition=models.Q(("status", "queued")),
                fields=["locality", "birth_year", "queue_class", "filed_at", "number"],
                name="application_queue_general",
            ),
        ),
        migrations.AddIndex(
            model_name="application",
            index=models.Index(
                condition=models.Q(("status", "queued"), ("wants_special", True)),
                fields=["locality", "birth_year", "queue_class", "filed_at", "number"],
                name="application_queue_special",
            ),
        ),
        migrations.AddIndex(
            model_name="application",
            index=models.Index(
                condition=models.Q(("status", "queued"), ("wants_sanatorium", True)),
                fields=["locality", "birth_year", "queue_class", "filed_at", "number"],
                name="application_queue_sanatorium",
            ),
        ),
        migrations.AddIndex(
            model_name="application",
            index=models.Index(condition=models.Q(("status", "queued")), fields=["birth_year"], name="application_queued_birth_year"),
        ),
        migrations.RunPython(_autovacuum_often, _autovacuum_default, elidable=True),
    ]
