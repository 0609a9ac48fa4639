"""The daily open-data snapshot (issue 12, item 2): pseudonymous CSV and JSON of the queues, seats,
publications, directions, grants, bulletins and the day's events, with a manifest (SHA-256 and row
count of each file, the audit trail's sealed head) that `snapshot_verify` and the stand-alone
`tools/snapshot_verify.py` check.

No names, IINs, phones, addresses or birth dates (SPEC §8): an application is its number, a seat
its id, a direction its number. Every table is written by streaming (a database cursor read in
chunks, queues a page of the SPEC §4 closed form at a time), so a million applications never sit in
memory. One snapshot a day in SNAPSHOT_DIR/<YYYY-MM-DD>/ (the Astana date), the last
SNAPSHOT_KEEP_DAYS days kept.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from audit.models import AuditRecord
from audit.services import audit_record, heads_published
from core.calendar import local
from placements.models import Bulletin, Direction, Grant, Publication, Seat
from queues.models import QUEUE_KIND_ORDER, Application
from queues.selectors import interleave_ratio, queue_class_sizes, queue_page

FORMAT = "indigo-snapshot"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CHUNK = 2000  # rows per database round trip
DAY_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# Each table's columns, in file order (documented on /open/snapshots/format/).
COLUMNS: dict[str, tuple[str, ...]] = {
    "queues": ("locality", "birth_year", "kind", "position", "application", "filed_at", "class"),
    "seats": (
        "seat",
        "release",
        "released_at",
        "locality",
        "kindergarten",
        "group",
        "kind",
        "language",
        "birth_year",
        "state",
        "published_at",
        "open_at",
        "priority_until",
        "direction",
        "withdrawn_at",
    ),
    "publications": ("bulletin", "published_at", "seat", "open_at", "priority_until"),
    "directions": ("direction", "application", "seat", "kindergarten", "group", "issued_at", "valid_until", "extended", "status", "ended_at"),
    "grants": ("grant", "application", "kind", "bulletin", "from", "until", "ended_at"),
    "bulletins": ("bulletin", "published_at", "seats"),
    "events": ("at", "event", "application", "audit_record"),
}
TABLES = tuple(COLUMNS)

# The audit trail's actions that change who stands where in a queue, as the events file names them.
EVENT_OF_ACTION = {
    "application.file": "filed",
    "applications.import": "filed",
    "application.withdraw": "withdrawn",
    "application.archive": "archived",
    "application.archive_over_age": "archived",
    "application.requeue": "requeued",
    "seat.claim": "directed",
    "direction.enroll": "enrolled",
    "benefit.confirm": "benefit_confirmed",
    "benefit.reject": "benefit_rejected",
    "admin.change": "edited",
}


def snapshot_root() -> Path:
    return Path(settings.SNAPSHOT_DIR)


def _day(now: dt.datetime) -> str:
    return local(now).date().isoformat()


def _value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return local(value).isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _csv_value(value: Any) -> Any:
    value = _value(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


# --- the tables, each a stream of rows -----------------------------------------------------------


def _queue_rows() -> Iterator[dict[str, Any]]:
    """Every queue (locality, birth year, kind) in order, each by pages of the SPEC §4 closed form:
    the same machinery and positions as the public queue lists (opendata.selectors.queue_lists)."""
    queues = (
        Application.objects.filter(status=Application.Status.QUEUED)
        .values("locality_id", "locality__code", "birth_year")
        .annotate(general=Count("id"), special=Count("id", filter=Q(wants_special=True)), sanatorium=Count("id", filter=Q(wants_sanatorium=True)))
        .order_by("locality__code", "birth_year")
    )
    for queue in list(queues):  # one row per (locality, birth year): a few thousand at most
        for kind in QUEUE_KIND_ORDER:
            if not queue[kind]:
                continue
            where = {"locality_id": queue["locality_id"], "birth_year": queue["birth_year"], "kind": kind}
            sizes = queue_class_sizes(**where)
            total = sum(sizes.values())
            for first in range(1, total + 1, CHUNK):
                page = queue_page(**where, sizes=sizes, first=first, last=first + CHUNK - 1, fields=("number", "filed_at", "benefit", "benefit_status"))
                for position, application in page:
                    yield {
                        "locality": queue["locality__code"],
                        "birth_year": queue["birth_year"],
                        "kind": kind,
                        "position": position,
                        "application": application.number,
                        "filed_at": application.filed_at,
                        "class": application.effective_benefit,
                    }


def _renamed(queryset: QuerySet, columns: dict[str, str]) -> Iterator[dict[str, Any]]:
    """Each row of `queryset`, a chunk at a time, with its fields under the snapshot's column names."""
    for r in queryset.values(*columns.values()).iterator(chunk_size=CHUNK):
        yield {column: r[name] for column, name in columns.items()}


SEAT_COLUMNS = {
    "seat": "id",
    "release": "release_id",
    "released_at": "release__released_at",
    "locality": "group__kindergarten__locality__code",
    "kindergarten": "group__kindergarten__code",
    "group": "group__code",
    "kind": "group__kind",
    "language": "group__language",
    "birth_year": "birth_year",
    "state": "state",
    "published_at": "published_at",
    "open_at": "open_at",
    "priority_until": "priority_until",
    "direction": "direction",
    "withdrawn_at": "withdrawn_at",
}


def _seat_rows(now: dt.datetime) -> Iterator[dict[str, Any]]:
    last_direction = Direction.objects.filter(seat=OuterRef("pk")).order_by("-number").values("number")[:1]
    for row in _renamed(Seat.objects.annotate(direction=Subquery(last_direction)).order_by("id"), SEAT_COLUMNS):
        if row["state"] == Seat.State.PRIORITY and row["priority_until"] is not None and row["priority_until"] <= now:
            row["state"] = Seat.State.GENERAL  # SPEC §5: general from the instant priority_until is reached
        yield row


def _publication_rows() -> Iterator[dict[str, Any]]:
    columns = {"bulletin": "bulletin_id", "published_at": "bulletin__published_at", "seat": "seat_id", "open_at": "open_at", "priority_until": "priority_until"}
    return _renamed(Publication.objects.order_by("bulletin__published_at", "seat_id"), columns)


DIRECTION_COLUMNS = {
    "direction": "number",
    "application": "application__number",
    "seat": "seat_id",
    "kindergarten": "seat__group__kindergarten__code",
    "group": "seat__group__code",
    "issued_at": "issued_at",
    "valid_until": "valid_until",
    "extended": "extended",
    "status": "status",
    "ended_at": "ended_at",
}


def _direction_rows() -> Iterator[dict[str, Any]]:
    return _renamed(Direction.objects.order_by("number"), DIRECTION_COLUMNS)


def _grant_rows() -> Iterator[dict[str, Any]]:
    columns = {
        "grant": "id",
        "application": "application__number",
        "kind": "kind",
        "bulletin": "bulletin_id",
        "from": "from_at",
        "until": "until_at",
        "ended_at": "ended_at",
    }
    return _renamed(Grant.objects.order_by("id"), columns)


def _bulletin_rows() -> Iterator[dict[str, Any]]:
    rows = Bulletin.objects.annotate(seats=Count("publications")).values("id", "published_at", "seats").order_by("published_at")
    for r in rows.iterator(chunk_size=CHUNK):
        yield {"bulletin": r["id"], "published_at": r["published_at"], "seats": r["seats"]}


def _record_numbers(record: AuditRecord, by_application: dict[str, int], by_direction: dict[str, int]) -> list[int]:
    """The application numbers an audit record is about: named in its details, or its object."""
    details = record.details if isinstance(record.details, dict) else {}
    if record.action == "applications.import" and len(details.get("numbers") or []) == 2:
        first, last = details["numbers"]
        return list(range(int(first), int(last) + 1))  # the import records its range of numbers
    if details.get("numbers"):
        return [int(n) for n in details["numbers"]]
    for key in ("number", "application"):
        if isinstance(details.get(key), int):
            return [details[key]]
    if record.object_type == "queues.application" and record.object_id in by_application:
        return [by_application[record.object_id]]
    if record.object_type == "placements.direction" and record.object_id in by_direction:
        return [by_direction[record.object_id]]
    return []


def _event_rows(since: dt.datetime, until: dt.datetime) -> Iterator[dict[str, Any]]:
    """The state changes of applications in (since, until], read from the audit trail: what lets
    the checker explain every move between two days' queues (SPEC §4)."""
    records = AuditRecord.objects.filter(at__gt=since, at__lte=until, action__in=EVENT_OF_ACTION).order_by("at", "id")
    batch: list[AuditRecord] = []

    def flush() -> Iterator[dict[str, Any]]:
        app_ids = {r.object_id for r in batch if r.object_type == "queues.application" and r.object_id.isdigit()}
        dir_ids = {r.object_id for r in batch if r.object_type == "placements.direction" and r.object_id.isdigit()}
        by_application = {str(pk): n for pk, n in Application.objects.filter(pk__in=app_ids).values_list("pk", "number")}
        by_direction = {str(pk): n for pk, n in Direction.objects.filter(pk__in=dir_ids).values_list("pk", "application__number")}
        for record in batch:
            if record.action == "admin.change" and record.object_type != "queues.application":
                continue
            for number in _record_numbers(record, by_application, by_direction):
                yield {"at": record.at, "event": EVENT_OF_ACTION[record.action], "application": number, "audit_record": record.pk}

    for record in records.only("id", "at", "action", "object_type", "object_id", "details").iterator(chunk_size=CHUNK):
        batch.append(record)
        if len(batch) >= CHUNK:
            yield from flush()
            batch = []
    if batch:
        yield from flush()


# --- writing ---------------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_table(directory: Path, table: str, rows: Iterable[dict[str, Any]]) -> int:
    """The table as CSV and JSON at once (one pass over the rows); returns the row count."""
    columns = COLUMNS[table]
    count = 0
    with (
        (directory / f"{table}.csv").open("w", encoding="utf-8", newline="") as csv_file,
        (directory / f"{table}.json").open("w", encoding="utf-8") as json_file,
    ):
        csv_file.write("\ufeff")  # spreadsheet programs then read Cyrillic as UTF-8
        writer = csv.writer(csv_file, lineterminator="\n")
        writer.writerow(columns)
        # A JSON array with one object a line: valid JSON, and still readable line by line.
        json_file.write("[")
        separator = "\n"
        for row in rows:
            writer.writerow([_csv_value(row[c]) for c in columns])
            json_file.write(separator + json.dumps({c: _value(row[c]) for c in columns}, ensure_ascii=False))
            separator = ",\n"
            count += 1
        json_file.write("\n]\n")
    return count


def _day_folders(root: Path) -> list[str]:
    """The snapshot folders' days, newest first (none when the folder is not there yet)."""
    if not root.is_dir():
        return []
    return sorted((p.name for p in root.iterdir() if p.is_dir() and DAY_NAME.match(p.name)), reverse=True)


def _previous_at(root: Path, day: str) -> dt.datetime | None:
    """The moment of the newest snapshot before `day`: the events file starts there."""
    for name in (name for name in _day_folders(root) if name < day):
        try:
            return dt.datetime.fromisoformat(json.loads((root / name / MANIFEST).read_text(encoding="utf-8"))["at"])
        except (OSError, ValueError, KeyError):
            continue
    return None


def _audit_head(now: dt.datetime) -> dict[str, Any] | None:
    """The newest sealed head of the audit trail at `now` (the one /open/audit-heads.json shows)."""
    for head in heads_published(limit=50):
        if dt.datetime.fromisoformat(head["at"]) <= now:
            return head
    return None


def snapshot_make(*, now: dt.datetime, root: Path | None = None) -> Path:
    """Write the snapshot of `now` into <root>/<Astana date>/, replacing that day's earlier one, and
    return its folder. The tables are read in one repeatable-read transaction on PostgreSQL, so
    every file shows the same moment."""
    root = root or snapshot_root()
    root.mkdir(parents=True, exist_ok=True)
    day = _day(now)
    since = _previous_at(root, day) or now - dt.timedelta(days=1)
    work = root / f".{day}.tmp-{os.getpid()}"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir()
    tables: dict[str, Callable[[], Iterable[dict[str, Any]]]] = {
        "queues": _queue_rows,
        "seats": lambda: _seat_rows(now),
        "publications": _publication_rows,
        "directions": _direction_rows,
        "grants": _grant_rows,
        "bulletins": _bulletin_rows,
        "events": lambda: _event_rows(since, now),
    }
    files = []
    try:
        # A transaction of its own (not inside a caller's, e.g. a test's): one consistent view.
        consistent = connection.vendor == "postgresql" and not connection.in_atomic_block
        with transaction.atomic():
            if consistent:
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            for table, rows in tables.items():
                count = _write_table(work, table, rows())
                for ext in ("csv", "json"):
                    path = work / f"{table}.{ext}"
                    files.append({"name": path.name, "table": table, "rows": count, "bytes": path.stat().st_size, "sha256": _sha256(path)})
        manifest = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "day": day,
            "at": local(now).isoformat(timespec="seconds"),
            "events_from": local(since).isoformat(timespec="seconds"),
            "interleave": interleave_ratio(),
            "audit_head": _audit_head(now),
            "files": files,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        target = root / day
        if target.exists():
            shutil.rmtree(target)  # a second run the same day replaces the first
        work.rename(target)
    finally:
        if work.exists():
            shutil.rmtree(work)
    audit_record(action="snapshot.make", now=now, details={"day": day, "rows": {f["table"]: f["rows"] for f in files if f["name"].endswith(".csv")}})
    return target


def snapshots_prune(*, now: dt.datetime, root: Path | None = None, keep_days: int | None = None) -> list[str]:
    """Delete the snapshots older than the last `keep_days` days (SNAPSHOT_KEEP_DAYS); their days."""
    root = root or snapshot_root()
    keep = keep_days or settings.SNAPSHOT_KEEP_DAYS
    oldest_kept = (local(now).date() - dt.timedelta(days=keep - 1)).isoformat()
    gone = sorted(name for name in _day_folders(root) if name < oldest_kept)
    for name in gone:
        shutil.rmtree(root / name)
    if gone:
        audit_record(action="snapshot.prune", now=now, details={"days": gone})
    return gone


def snapshot_take(*, now: dt.datetime) -> Path:
    """The nightly job: today's snapshot, then the days beyond SNAPSHOT_KEEP_DAYS go."""
    path = snapshot_make(now=now)
    snapshots_prune(now=now)
    return path


# --- reading (the public pages) ------------------------------------------------------------------


def snapshots_list(root: Path | None = None) -> list[dict[str, Any]]:
    """The kept snapshots, newest first, each its manifest (unreadable folders left out)."""
    root = root or snapshot_root()
    out = []
    for name in _day_folders(root):
        try:
            manifest = json.loads((root / name / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        out.append(manifest | {"day": name})
    return out


def snapshot_file(day: str, name: str, root: Path | None = None) -> Path | None:
    """The file `name` of the snapshot of `day`, or None: only the manifest and the files it lists,
    inside the snapshot folder (no other path can be asked for)."""
    root = (root or snapshot_root()).resolve()
    if not DAY_NAME.match(day) or "/" in name or "\\" in name or name.startswith("."):
        return None
    folder = root / day
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if name != MANIFEST and name not in {f.get("name") for f in manifest.get("files", [])}:
        return None
    path = (folder / name).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path
