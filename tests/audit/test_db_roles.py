"""The web and worker processes run as a role that may only read and append to the audit trail;
migrations run as the owner (issue 9). Real PostgreSQL, a real second role."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from audit.models import AuditLink, AuditRecord
from audit.services import audit_record, audit_verify
from queues.models import Locality

ROLE = "indigo_app_test"
BASE_DIR = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="roles are PostgreSQL's"),
]


def _as_app_role() -> psycopg.Connection:
    settings = connection.settings_dict
    return psycopg.connect(host="127.0.0.1", port=settings["PORT"] or 5432, dbname=settings["NAME"], user=ROLE, autocommit=True)


def _app_role_url() -> str:
    settings = connection.settings_dict
    return f"postgres://{ROLE}@127.0.0.1:{settings['PORT'] or 5432}/{settings['NAME']}"


@pytest.fixture
def app_role():
    yield ROLE
    with connection.cursor() as cursor:  # the role is the cluster's: leave none behind
        cursor.execute(f"DROP OWNED BY {ROLE}")
        cursor.execute(f"DROP ROLE {ROLE}")


def test_the_app_role_reads_and_appends_the_audit_trail_and_changes_nothing_in_it(app_role):
    Locality.objects.create(code="temirtau", name="Темиртау")
    audit_record(action="test.before", now=dt.datetime.now(dt.UTC))
    call_command("db_roles", ROLE)
    call_command("db_roles", ROLE)  # again: updates, no error

    with _as_app_role() as app:
        for table in ("audit_auditrecord", "audit_auditlink"):
            assert app.execute(f"SELECT count(*) FROM {table}").fetchone()[0] >= 0
            for statement in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}", f"TRUNCATE {table} CASCADE"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
                    app.execute(statement)
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                app.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")  # only the owner may
        # An ordinary table: the portal's work goes on.
        assert app.execute("UPDATE queues_locality SET name = 'Temirtau' WHERE code = 'temirtau'").rowcount == 1

    # The portal itself as the app role: an audited action appended, the sequencer chains it.
    script = (
        "import datetime as dt\n"
        "from django.db import transaction\n"
        "from audit.services import audit_record, audit_chain\n"
        "with transaction.atomic():\n"
        "    audit_record(action='test.as_app_role', now=dt.datetime.now(dt.UTC))\n"
        "print('chained', audit_chain(now=dt.datetime.now(dt.UTC)))\n"
    )
    env = {**os.environ, "DATABASE_URL": _app_role_url()}
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", script], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "chained 2" in result.stdout
    assert AuditRecord.objects.filter(action="test.as_app_role").exists()
    assert AuditLink.objects.count() == 2
    assert audit_verify() == (2, None)


def test_db_roles_refuses_a_name_that_is_not_a_plain_identifier():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("db_roles", 'x"; DROP TABLE audit_auditrecord; --')
