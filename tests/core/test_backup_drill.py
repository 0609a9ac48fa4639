"""The restore drill (issue 10), run by CI on PostgreSQL: back up a portal with data, restore it into
a fresh database, every table's row count matches, the private media are back and `audit_verify`
passes on the restored database against the same seals."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from audit.services import audit_chain, audit_seal
from core.backup import BackupError, backup_make, backup_restore, pg_conninfo, table_counts
from core.iin import iin_build
from queues.models import Locality
from queues.services import application_file

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump and pg_restore: PostgreSQL"),
]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def drill_database():
    """A fresh, empty database beside the test database; dropped afterwards."""
    params = dict(connection.settings_dict)
    params["NAME"] = f"indigo_restore_drill_{os.getpid()}"
    admin = {**connection.settings_dict, "NAME": "postgres"}
    conninfo = pg_conninfo(admin)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{params["NAME"]}"')
        conn.execute(f'CREATE DATABASE "{params["NAME"]}"')
    yield params
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{params["NAME"]}" WITH (FORCE)')


def _url(params: dict) -> str:
    auth = params.get("USER") or "postgres"
    if params.get("PASSWORD"):
        auth += f":{params['PASSWORD']}"
    return f"postgres://{auth}@{params.get('HOST') or '127.0.0.1'}:{params.get('PORT') or 5432}/{params['NAME']}"


def test_a_backup_restores_whole_and_its_audit_trail_verifies(drill_database, tmp_path, settings):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    Locality.objects.create(code="temirtau", name="Темиртау")
    now = timezone.now()
    for serial in range(5):
        application_file(child_iin=iin_build(dt.date(2022, 3, 4), serial=serial), locality_code="temirtau", now=now)
    audit_chain(now=now)
    audit_seal(now=now)
    document = Path(settings.PRIVATE_MEDIA_ROOT) / "benefits" / "2026" / "certificate.pdf"
    document.parent.mkdir(parents=True)
    document.write_bytes(b"%PDF-1.4 a benefit certificate")

    folder = backup_make(directory=tmp_path / "backups", now=timezone.localtime())
    restored_media = tmp_path / "restored-private"
    differ = backup_restore(source=folder, params=drill_database, media_root=restored_media)

    assert differ == {}
    assert table_counts(drill_database)["queues_application"] == 5
    assert (restored_media / "benefits" / "2026" / "certificate.pdf").read_bytes() == document.read_bytes()
    # audit_verify on the restored database, as an administrator would run it after a restore.
    verified = subprocess.run(
        [sys.executable, "manage.py", "audit_verify"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": _url(drill_database), "AUDIT_SEAL_DIR": settings.AUDIT_SEAL_DIR, "DJANGO_SETTINGS_MODULE": "indigo.settings"},
        capture_output=True,
        text=True,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "intact" in verified.stdout


def test_a_restore_refuses_a_database_that_is_not_empty(drill_database, tmp_path, settings):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    folder = backup_make(directory=tmp_path / "backups", now=timezone.localtime())
    backup_restore(source=folder, params=drill_database, media_root=tmp_path / "restored")
    with pytest.raises(BackupError, match="not empty"):
        backup_restore(source=folder, params=drill_database, media_root=tmp_path / "restored")


def test_the_commands_back_up_and_restore(drill_database, tmp_path, settings, capsys):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    call_command("backup", "--dir", str(tmp_path / "backups"))
    folder = capsys.readouterr().out.split("backup made: ")[1].strip()
    call_command("restore", folder, "--database-url", _url(drill_database), "--media-root", str(tmp_path / "restored"))
    assert "every table's row count matches" in capsys.readouterr().out
