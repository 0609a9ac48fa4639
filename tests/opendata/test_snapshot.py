"""The daily open-data snapshot (issue 12, item 2): files, manifest, checker, pruning, downloads.

Timeline on top of the opendata world (tests/opendata/conftest.py): the first snapshot at Tuesday
04.06.2024 02:30, then on Tuesday a priority family files in Temirtau 2022 (10:00), e1 takes an
«Арман» priority seat with its grant (09:00), g3 withdraws (11:00); the second snapshot at Wednesday
05.06 02:30.

Temirtau 2022 on Tuesday morning is the SPEC §4 example: e1 g1 g2 g3 p1 g4 g5 p2 p3. By Wednesday
e1 and g3 left and p4 joined: E = [], G = [g1 g2 g4 g5], P = [p1 p2 p3 p4] →
g1 g2 g4 p1 g5 p2 p3 p4 (reasoned by hand from SPEC §4: three G, one P, then G runs out).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from core.iin import iin_build
from opendata.snapshot import MANIFEST, snapshot_make, snapshots_prune
from placements.application_actions import application_withdraw
from placements.claims import seat_claim
from queues.services import application_file
from tests.factories import astana
from tests.opendata.conftest import client_from_own_address

FIRST_AT = astana(2024, 6, 4, 2, 30)
SECOND_AT = astana(2024, 6, 5, 2, 30)
TOOL = Path(settings.BASE_DIR) / "tools" / "snapshot_verify.py"

pytestmark = pytest.mark.django_db


def _tool(*args: str) -> tuple[int, str]:
    """The stand-alone checker, run without site-packages (-S): the standard library only."""
    done = subprocess.run([sys.executable, "-S", str(TOOL), *map(str, args)], capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout


def _command(*args: str) -> tuple[bool, str]:
    out = io.StringIO()
    try:
        call_command("snapshot_verify", *map(str, args), stdout=out)
    except CommandError:
        return False, out.getvalue()
    return True, out.getvalue()


def _rows(folder: Path, table: str) -> list[dict[str, str]]:
    with (folder / f"{table}.csv").open(encoding="utf-8-sig", newline="") as file:
        return list(csv.DictReader(file))


def _rewrite(folder: Path, table: str, rows: list[dict[str, str]]) -> None:
    """A forger's edit: the CSV rewritten and the manifest's hash and count made to match."""
    path = folder / f"{table}.csv"
    with path.open("w", encoding="utf-8", newline="") as file:
        file.write("\ufeff")
        writer = csv.DictWriter(file, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        if entry["name"] == path.name:
            entry["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
            entry["rows"] = len(rows)
    (folder / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")


@pytest.fixture
def root(settings, tmp_path) -> Path:
    settings.SNAPSHOT_DIR = str(tmp_path / "snapshots")
    return Path(settings.SNAPSHOT_DIR)


@pytest.fixture
def two_days(world, root) -> tuple[Path, Path, dict]:
    first = snapshot_make(now=FIRST_AT)
    seat_claim(application=world.apps["e1"], group=world.arman_2, now=astana(2024, 6, 4, 9))
    p4 = application_file(
        child_iin=iin_build(dt.date(2022, 8, 1), serial=700),
        locality_code="temirtau",
        now=astana(2024, 6, 4, 10),
        benefit="priority",
        benefit_category="large_family",
        birth_date=dt.date(2022, 8, 1),
        child_last_name="Сейткали",
        child_first_name="Дана",
    )
    application_withdraw(application=world.apps["g3"], now=astana(2024, 6, 4, 11))
    second = snapshot_make(now=SECOND_AT)
    labels = {a.number: label for label, a in world.apps.items()} | {p4.number: "p4"}
    return first, second, labels


def _temirtau_2022(folder: Path, labels: dict) -> list[str]:
    rows = [r for r in _rows(folder, "queues") if r["locality"] == "temirtau" and r["birth_year"] == "2022" and r["kind"] == "general"]
    return [labels[int(r["application"])] for r in sorted(rows, key=lambda r: int(r["position"]))]


def test_manifest_lists_every_file_with_its_sha256_and_row_count(world, root):
    folder = snapshot_make(now=FIRST_AT)
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    assert folder.name == "2024-06-04"
    assert manifest["at"] == "2024-06-04T02:30:00+05:00" and manifest["interleave"] == 3
    names = {f["name"] for f in manifest["files"]}
    for table in ("queues", "seats", "publications", "directions", "grants", "bulletins", "events"):
        assert {f"{table}.csv", f"{table}.json"} <= names
    for entry in manifest["files"]:
        path = folder / entry["name"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
        if path.suffix == ".json":
            assert len(json.loads(path.read_text(encoding="utf-8"))) == entry["rows"]
        else:
            assert len(_rows(folder, path.stem)) == entry["rows"]
    # Temirtau 2022 (9), Karaganda 2023 (k3); t21 and k1 hold directions: no position.
    assert next(f["rows"] for f in manifest["files"] if f["name"] == "queues.csv") == 10
    assert next(f["rows"] for f in manifest["files"] if f["name"] == "directions.csv") == 2
    assert _tool(folder) == (0, _command(folder)[1])
    assert _command(folder)[0]


def test_queue_positions_are_the_public_lists_positions(two_days):
    first, second, labels = two_days
    assert _temirtau_2022(first, labels) == ["e1", "g1", "g2", "g3", "p1", "g4", "g5", "p2", "p3"]
    assert _temirtau_2022(second, labels) == ["g1", "g2", "g4", "p1", "g5", "p2", "p3", "p4"]


def test_a_changed_file_is_detected(world, root):
    folder = snapshot_make(now=FIRST_AT)
    path = folder / "directions.json"
    path.write_text(path.read_text(encoding="utf-8").replace('"issued"', '"enrolled"', 1), encoding="utf-8")
    code, out = _tool(folder)
    assert code == 1 and "directions.json: SHA-256 differs from the manifest" in out
    ok, command_out = _command(folder)
    assert not ok and command_out == out


def test_no_personal_data_in_any_file(world, root):
    folder = snapshot_make(now=FIRST_AT)
    text = "\n".join(p.read_text(encoding="utf-8") for p in folder.iterdir())
    for secret in world.secrets:
        assert secret not in text
    text = "\n".join(p.read_text(encoding="utf-8") for p in folder.iterdir() if p.name != MANIFEST)  # hashes are hex
    assert not re.search(r"(?<!\d)\d{12}(?!\d)", text)  # an IIN
    assert not re.search(r"\+?7\s?\(?7\d{2}", text)  # a mobile phone
    assert "Болатұлы" not in text and "Аманжолов" not in text


def test_two_consecutive_days_verify_clean(two_days):
    first, second, _ = two_days
    events = _rows(second, "events")
    assert {e["event"] for e in events} >= {"filed", "directed", "withdrawn"}
    code, out = _tool(second, "--previous", first)
    assert code == 0, out
    assert "OK: the snapshot verifies" in out
    ok, command_out = _command(second, "--previous", first)
    assert ok and command_out == out


def test_an_edited_position_is_reported_unexplained(two_days):
    first, second, labels = two_days
    rows = _rows(second, "queues")
    number = {label: n for n, label in labels.items()}
    # The forger moves g5 ahead of p1 (positions 4 and 5 swapped), and fixes the manifest.
    for row in rows:
        if row["locality"] == "temirtau" and row["kind"] == "general" and int(row["application"]) in (number["g5"], number["p1"]):
            row["position"] = "4" if int(row["application"]) == number["g5"] else "5"
    _rewrite(second, "queues", rows)
    code, out = _tool(second, "--previous", first)
    assert code == 1
    assert f"application {number['g5']} moved to position 4; the recorded events put it at 5" in out
    ok, command_out = _command(second, "--previous", first)
    assert not ok and command_out == out


def test_an_application_dropped_without_an_event_is_reported(two_days):
    first, second, labels = two_days
    number = {label: n for n, label in labels.items()}
    rows = [r for r in _rows(second, "queues") if int(r["application"]) != number["k3"]]
    _rewrite(second, "queues", rows)
    code, out = _tool(second, "--previous", first)
    assert code == 1 and f"application {number['k3']} left the queue with no recorded event" in out


def test_a_gap_between_snapshots_is_reported(two_days, root):
    first, second, _ = two_days
    manifest = json.loads((second / MANIFEST).read_text(encoding="utf-8"))
    manifest["events_from"] = "2024-06-04T12:00:00+05:00"
    (second / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    code, out = _tool(second, "--previous", first)
    assert code == 1 and "changes in between are not covered" in out


def test_the_last_30_days_are_kept(root):
    for offset in range(40):
        day = dt.date(2024, 6, 30) - dt.timedelta(days=offset)
        (root / day.isoformat()).mkdir(parents=True)
    (root / "notes").mkdir()
    gone = snapshots_prune(now=astana(2024, 6, 30, 2, 30))
    kept = sorted(p.name for p in root.iterdir())
    assert len(gone) == 10 and gone[-1] == "2024-05-31"
    assert kept[0] == "2024-06-01" and kept[-2] == "2024-06-30" and "notes" in kept


def test_a_second_run_the_same_day_replaces_the_first(world, root):
    snapshot_make(now=FIRST_AT)
    folder = snapshot_make(now=FIRST_AT + dt.timedelta(hours=1))
    assert sorted(p.name for p in root.iterdir()) == ["2024-06-04"]
    assert json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["at"] == "2024-06-04T03:30:00+05:00"


def test_snapshot_make_command_writes_and_the_page_lists_it(world, root):
    call_command("snapshot_make", "--at", "2024-06-04T02:30", stdout=io.StringIO())
    client = client_from_own_address()
    page = client.get("/open/snapshots/", HTTP_ACCEPT_LANGUAGE="kk")
    assert page.status_code == 200
    text = page.content.decode()
    assert "2024-06-04" in text and "/open/snapshots/2024-06-04/queues.csv" in text and "/open/snapshots/2024-06-04/manifest.json" in text


def test_a_file_downloads_as_written(world, root):
    folder = snapshot_make(now=FIRST_AT)
    response = client_from_own_address().get("/open/snapshots/2024-06-04/queues.csv")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == (folder / "queues.csv").read_bytes()
    assert "attachment" in response["Content-Disposition"]


@pytest.mark.parametrize(
    "path",
    [
        "/open/snapshots/2024-06-04/..%2F..%2Fsettings.py",
        "/open/snapshots/2024-06-04/secret.txt",
        "/open/snapshots/2024-06-04/.hidden",
        "/open/snapshots/..%2F2024-06-04/queues.csv",
        "/open/snapshots/2024-06-05/queues.csv",
        "/open/snapshots/2024-06-04/%2Fetc%2Fpasswd",
    ],
)
def test_paths_outside_the_snapshot_are_refused(world, root, path):
    folder = snapshot_make(now=FIRST_AT)
    (folder / "secret.txt").write_text("not listed in the manifest", encoding="utf-8")
    (folder / ".hidden").write_text("x", encoding="utf-8")
    assert client_from_own_address().get(path).status_code == 404


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_format_page_explains_every_file(db, language):
    response = client_from_own_address().get("/open/snapshots/format/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    text = response.content.decode()
    for name in ("queues.csv", "seats.csv", "publications.csv", "directions.csv", "grants.csv", "bulletins.csv", "events.csv", "manifest.json"):
        assert name in text
    assert "python tools/snapshot_verify.py" in text and "manage.py snapshot_verify" in text


def test_the_nightly_job_is_scheduled_at_02_30():
    from indigo.celery import app

    entry = app.conf.beat_schedule["opendata-snapshot-02-30"]
    assert entry["task"] == "opendata.tasks.snapshot_take_nightly"
    assert entry["schedule"].hour == {2} and entry["schedule"].minute == {30}
