"""`manage.py import_applications FILE.csv`: exit status 0 when imported, 1 when any row is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import execute_from_command_line
from django.utils import timezone

from core.calendar import local
from queues.models import Application
from tests.admin.conftest import csv_bytes, old_row

# run_from_argv closes the connections on its way out, as a real command does: a transactional test.
pytestmark = pytest.mark.django_db(transaction=True)


def _rows(**bad: str) -> list[dict[str, str]]:
    """Two rows filed a year ago for two-year-olds (valid whenever the test runs)."""
    today = local(timezone.now()).date()
    born = today.replace(year=today.year - 2, day=1)
    filed = local(timezone.now() - dt.timedelta(days=365))
    return [
        old_row("101", f"{filed:%d.%m.%Y %H:%M}", born, 1),
        old_row("102", (filed + dt.timedelta(hours=1)).isoformat(), born, 2, **bad),
    ]


def _run(*argv: str) -> int:
    try:
        execute_from_command_line(["manage.py", "import_applications", *argv])
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return 0


def test_a_valid_file_is_imported_and_the_command_succeeds(karaganda, tmp_path, capsys):
    path = tmp_path / "queue.csv"
    path.write_bytes(csv_bytes(_rows()))
    assert _run(str(path), "--language", "en") == 0
    assert sorted(Application.objects.values_list("legacy_number", flat=True)) == ["101", "102"]
    assert "Imported 2 applications" in capsys.readouterr().out


def test_a_file_with_a_bad_row_exits_non_zero_names_the_row_and_saves_nothing(karaganda, tmp_path, capsys):
    path = tmp_path / "queue.csv"
    path.write_bytes(csv_bytes(_rows(locality="nowhere"), delimiter=";", bom=True))
    assert _run(str(path), "--language", "en") == 1
    err = capsys.readouterr().err
    assert "row 3, locality: There is no such locality." in err
    assert "Nothing was imported" in err
    assert not Application.objects.exists()


def test_a_dry_run_says_every_row_can_be_imported_and_saves_nothing(karaganda, tmp_path, capsys):
    path = tmp_path / "queue.csv"
    path.write_bytes(csv_bytes(_rows()))
    assert _run(str(path), "--dry-run", "--language", "en") == 0
    out, err = capsys.readouterr()
    assert "Checked: all 2 rows can be imported. Nothing was saved" in out and err == ""
    assert not Application.objects.exists()
    # The check changed nothing: the same file then imports both rows.
    assert _run(str(path), "--language", "en") == 0
    assert Application.objects.count() == 2


def test_a_missing_file_is_named_in_one_line_without_a_traceback(db, tmp_path, capsys):
    missing = tmp_path / "missing.csv"
    assert _run(str(missing), "--language", "en") == 1
    out, err = capsys.readouterr()
    assert err.strip() == f"CommandError: {missing}: No such file or directory"
    assert "Traceback" not in err and out == ""
    assert not Application.objects.exists()
