"""Every cabinet gets its phones, and every applicant a cabinet (the cabinet-takeover fix).

Until now the cabinet's codes went to the phone of the IIN's newest application, which anyone could
file. A cabinet's phones are now its own: those of the IIN's EARLIEST application (the one that
existed first, never a later one that someone else may have filed), ordered by filed_at, then by
number. Applicants without a cabinet get one, created at that application's filed_at. Set-based:
one UPDATE and one INSERT … SELECT, whatever the number of applications (SQLite and PostgreSQL).
"""

from django.db import migrations, models


def _earliest(applications: str) -> str:
    """Per applicant IIN, the phones and filing time of its earliest application (two phones that
    differ: an equal second phone is dropped)."""
    return f"""
        SELECT applicant_iin, phone, CASE WHEN phone2 = phone THEN '' ELSE phone2 END AS phone2, filed_at
        FROM (
            SELECT applicant_iin, phone, phone2, filed_at,
                   ROW_NUMBER() OVER (PARTITION BY applicant_iin ORDER BY filed_at, number) AS nth
            FROM {applications}
            WHERE applicant_iin <> ''
        ) ranked
        WHERE nth = 1
    """


def cabinets_from_applications(apps, schema_editor) -> None:
    quote = schema_editor.quote_name
    cabinets = quote(apps.get_model("accounts", "Cabinet")._meta.db_table)
    earliest = _earliest(quote(apps.get_model("queues", "Application")._meta.db_table))
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"UPDATE {cabinets} SET phone = e.phone, phone2 = e.phone2 FROM ({earliest}) e WHERE e.applicant_iin = {cabinets}.iin")
        cursor.execute(
            f"""INSERT INTO {cabinets} (iin, phone, phone2, password, device_token_hash, device_label, failed_logins, block_reason, created_at)
            SELECT e.applicant_iin, e.phone, e.phone2, '', '', '', 0, '', e.filed_at
            FROM ({earliest}) e
            WHERE NOT EXISTS (SELECT 1 FROM {cabinets} c WHERE c.iin = e.applicant_iin)"""
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_cabinet_phones"),
        ("queues", "0003_application_legacy_number"),
    ]

    operations = [
        migrations.RunPython(cabinets_from_applications, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name="cabinet",
            constraint=models.CheckConstraint(condition=models.Q(phone2="") | ~models.Q(phone=models.F("phone2")), name="cabinet_phones_differ"),
        ),
    ]
