"""Backups that are proven: the database (pg_dump, custom format) and the private media (benefit
documents) in one folder with a manifest of row counts; a restore into an empty database checks
the counts against it (issue 10). PostgreSQL only: SQLite is the demo's database.

A backup folder holds:
  database.dump        pg_dump --format=custom, restorable with pg_restore into an empty database
  private-media.tar.gz PRIVATE_MEDIA_ROOT (benefit documents), paths relative to it
  manifest.json        when, from which database, the row count of every table
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import psycopg
from django.conf import settings
from django.db import connection
from psycopg import sql

DUMP = "database.dump"
MEDIA = "private-media.tar.gz"
MANIFEST = "manifest.json"


class BackupError(Exception):
    """A backup or restore that cannot be made; the message says why (an administrator's tool)."""


def _pg_environment(params: dict[str, Any]) -> dict[str, str]:
    """libpq's variables for pg_dump and pg_restore: the password never goes on a command line."""
    environment = dict(os.environ)
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD"), ("PGDATABASE", "NAME")):
        if params.get(key):
            environment[variable] = str(params[key])
    return environment


def pg_conninfo(params: dict[str, Any]) -> str:
    names = {"host": "HOST", "port": "PORT", "user": "USER", "password": "PASSWORD", "dbname": "NAME"}
    return psycopg.conninfo.make_conninfo(**{key: str(params[name]) for key, name in names.items() if params.get(name)})


def table_counts(params: dict[str, Any]) -> dict[str, int]:
    """The row count of every table of the public schema (exact: COUNT(*), not statistics)."""
    with psycopg.connect(pg_conninfo(params), autocommit=True) as conn:
        tables = [row[0] for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]
        return {table: conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0] for table in tables}


def _postgresql_only() -> dict[str, Any]:
    if connection.vendor != "postgresql":
        raise BackupError("backups are for PostgreSQL; the demo's SQLite file is copied while the portal is stopped")
    return connection.settings_dict


def backup_make(*, directory: str | Path, now: dt.datetime) -> Path:
    """Dump the configured database and the private media into a new folder under `directory`.
    The counts are read just before the dump: on a portal left running they are a floor, not exact,
    so compare a restore against them after a backup of a quiet database (as the drill does)."""
    params = _postgresql_only()
    target = Path(directory) / f"indigo-{now.strftime('%Y%m%d-%H%M%S')}"
    target.mkdir(parents=True, exist_ok=False)
    counts = table_counts(params)
    subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={target / DUMP}"],
        env=_pg_environment(params),
        check=True,
        capture_output=True,
    )
    media = Path(settings.PRIVATE_MEDIA_ROOT)
    with tarfile.open(target / MEDIA, "w:gz") as archive:
        if media.exists():
            archive.add(media, arcname=".")
    manifest = {"made_at": now.isoformat(), "database": params.get("NAME"), "tables": counts}
    (target / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    return target


def backup_restore(*, source: str | Path, params: dict[str, Any], media_root: str | Path) -> dict[str, tuple[int, int]]:
    """Restore a backup folder into the EMPTY database `params` and its media into `media_root`;
    returns the tables whose row counts differ from the manifest ({} when the restore is whole)."""
    source = Path(source)
    manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    if table_counts(params):
        raise BackupError(f"the database {params.get('NAME')!r} is not empty: restore into a new, empty database")
    subprocess.run(
        ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", f"--dbname={params['NAME']}", str(source / DUMP)],
        env=_pg_environment(params),
        check=True,
        capture_output=True,
    )
    media = Path(media_root)
    media.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source / MEDIA, "r:gz") as archive:
        archive.extractall(media, filter="data")  # no absolute paths, no links out of the folder
    restored = table_counts(params)
    expected = manifest["tables"]
    tables = set(expected) | set(restored)
    return {table: (expected.get(table, 0), restored.get(table, 0)) for table in tables if expected.get(table, 0) != restored.get(table, 0)}
