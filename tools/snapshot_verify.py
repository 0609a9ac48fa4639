#!/usr/bin/env python3
"""Check an INDIGO open-data snapshot; the Python standard library only (3.11+).

    python tools/snapshot_verify.py DIR [--previous DIR]

DIR is one day's snapshot folder (manifest.json and the files it lists), as downloaded from
/open/snapshots/. The checker confirms that

1. every file the manifest lists is there, with the manifest's SHA-256 and row count;
2. every queue in queues.csv is in the order of SPEC §4: all extraordinary applications by filing
   time; then general and priority interleaved, one priority application after every `interleave`
   general ones (the manifest says how many); each class by filing time, then application number;
3. with --previous (the snapshot before it): the events file starts where the previous snapshot
   ended, and every change between the two days' queues is explained by a recorded event: an
   application enters a queue only when filed or returned to it, leaves only when withdrawn,
   archived, directed or enrolled, changes class only when its benefit is rejected or staff edit it
   (an event of its own), and everybody else stands exactly where SPEC §4 puts them.

Prints what it found and exits 0 when all is well, 1 when a problem was found, 2 on bad arguments.
`manage.py snapshot_verify` runs this same file.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import json
import sys
from collections import defaultdict
from pathlib import Path

MANIFEST = "manifest.json"
FORMAT = "indigo-snapshot"
CLASS_E, CLASS_P, CLASS_G = "extraordinary", "priority", "none"
JOIN = {"filed", "requeued"}
LEAVE = {"withdrawn", "archived", "directed", "enrolled"}
# An event after which the application's class, filing time or queues may differ (taken from the
# new snapshot); benefit_confirmed changes nothing in the order.
RECLASS = {"benefit_rejected", "edited"}

QueueKey = tuple[str, int, str]  # locality, birth year, kind
Member = tuple[str, dt.datetime]  # class, filed at


class Snapshot:
    def __init__(self, folder: Path, manifest: dict) -> None:
        self.folder, self.manifest = folder, manifest

    def rows(self, table: str) -> list[dict[str, str]]:
        with (self.folder / f"{table}.csv").open(encoding="utf-8-sig", newline="") as file:
            return list(csv.DictReader(file))

    def queues(self) -> dict[QueueKey, dict[int, tuple[int, Member]]]:
        """Each queue: application number → (position, (class, filed_at))."""
        out: dict[QueueKey, dict[int, tuple[int, Member]]] = defaultdict(dict)
        for row in self.rows("queues"):
            key = (row["locality"], int(row["birth_year"]), row["kind"])
            out[key][int(row["application"])] = (int(row["position"]), (row["class"], dt.datetime.fromisoformat(row["filed_at"])))
        return out


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _row_count(path: Path) -> int:
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as file:
            return max(sum(1 for _ in csv.reader(file)) - 1, 0)
    with path.open(encoding="utf-8") as file:  # one object a line inside the array
        return sum(1 for line in file if line.startswith("{"))


def load(folder: Path) -> tuple[Snapshot | None, list[str]]:
    """The snapshot and the problems with its files (hashes, row counts)."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        return None, [f"{folder}: no readable {MANIFEST} ({error})"]
    if manifest.get("format") != FORMAT:
        return None, [f"{folder}: {MANIFEST} is not an INDIGO snapshot manifest"]
    problems = []
    for entry in manifest.get("files", []):
        name = str(entry.get("name", ""))
        path = folder / name
        if "/" in name or "\\" in name or not path.is_file():
            problems.append(f"{name}: missing")
            continue
        if _sha256(path) != entry.get("sha256"):
            problems.append(f"{name}: SHA-256 differs from the manifest (the file was changed)")
        rows = _row_count(path)
        if rows != entry.get("rows"):
            problems.append(f"{name}: {rows} rows, the manifest says {entry.get('rows')}")
    return Snapshot(folder, manifest), problems


def spec_positions(members: dict[int, Member], ratio: int) -> dict[int, int]:
    """SPEC §4: application number → 1-based position (E, then G and P interleaved)."""
    classes: dict[str, list[tuple[dt.datetime, int]]] = {CLASS_E: [], CLASS_P: [], CLASS_G: []}
    for number, (klass, filed_at) in members.items():
        classes[klass if klass in classes else CLASS_G].append((filed_at, number))
    n_e, n_p, n_g = (len(classes[k]) for k in (CLASS_E, CLASS_P, CLASS_G))
    out = {}
    for klass, entries in classes.items():
        for rank, (_, number) in enumerate(sorted(entries), start=1):
            if klass == CLASS_E:
                out[number] = rank
            elif klass == CLASS_G:
                out[number] = n_e + rank + min((rank - 1) // ratio, n_p)
            else:
                out[number] = n_e + rank + min(ratio * rank, n_g)
    return out


def _name(key: QueueKey) -> str:
    return f"queue {key[0]}/{key[1]}/{key[2]}"


def check_order(snapshot: Snapshot) -> list[str]:
    """Every queue of one snapshot in SPEC §4 order."""
    ratio = int(snapshot.manifest.get("interleave", 3))
    problems = []
    for key, rows in sorted(snapshot.queues().items()):
        expected = spec_positions({n: member for n, (_, member) in rows.items()}, ratio)
        for number, (position, _) in sorted(rows.items(), key=lambda item: item[1][0]):
            if expected[number] != position:
                problems.append(f"{_name(key)}: application {number} at position {position}, SPEC §4 puts it at {expected[number]}")
    return problems


def check_moves(previous: Snapshot, current: Snapshot) -> list[str]:
    """Every change between two snapshots' queues explained by the current one's events."""
    problems = []
    if current.manifest.get("events_from") != previous.manifest.get("at"):
        problems.append(
            f"the events of {current.folder.name} start at {current.manifest.get('events_from')}, "
            f"not at the previous snapshot's moment {previous.manifest.get('at')}: changes in between are not covered"
        )
    events: dict[int, list[str]] = defaultdict(list)
    for row in sorted(current.rows("events"), key=lambda r: (dt.datetime.fromisoformat(r["at"]), int(r["audit_record"] or 0))):
        events[int(row["application"])].append(row["event"])
    old, new = previous.queues(), current.queues()
    ratio = int(current.manifest.get("interleave", 3))
    new_where: dict[int, dict[QueueKey, Member]] = defaultdict(dict)
    for key, rows in new.items():
        for number, (_, member) in rows.items():
            new_where[number][key] = member
    # The expected queues: yesterday's, changed by today's events only.
    expected: dict[QueueKey, dict[int, Member]] = defaultdict(dict)
    for key, rows in old.items():
        for number, (_, member) in rows.items():
            expected[key][number] = member
    for number, kinds in events.items():
        membership = [e for e in kinds if e in JOIN | LEAVE]
        if membership and membership[-1] in LEAVE:
            for rows in expected.values():
                rows.pop(number, None)
        elif (membership and membership[-1] in JOIN) or any(e in RECLASS for e in kinds):
            # Entered (or changed) by a recorded event: it stands where the new snapshot shows it,
            # with the class and filing time shown there; everyone's position is still checked.
            for rows in expected.values():
                rows.pop(number, None)
            for key, member in new_where.get(number, {}).items():
                expected[key][number] = member
            if membership and membership[-1] in JOIN and number not in new_where:
                problems.append(f"application {number}: {membership[-1]} today, but in no queue of {current.folder.name}")
    for key in sorted(set(expected) | set(new)):
        want = spec_positions(expected.get(key, {}), ratio)
        have = new.get(key, {})
        for number in sorted(set(want) | set(have)):
            if number not in have:
                problems.append(f"{_name(key)}: application {number} left the queue with no recorded event")
            elif number not in want:
                problems.append(f"{_name(key)}: application {number} entered the queue with no recorded event")
            elif have[number][1] != expected[key][number]:
                problems.append(f"{_name(key)}: application {number} changed class or filing time with no recorded event")
            elif have[number][0] != want[number]:
                problems.append(f"{_name(key)}: application {number} moved to position {have[number][0]}; the recorded events put it at {want[number]}")
    return problems


def verify(folder: Path, previous: Path | None = None) -> tuple[list[str], list[str]]:
    """(what was checked, the problems found)."""
    checked: list[str] = []
    current, problems = load(folder)
    if current is None:
        return checked, problems
    checked.append(f"{folder.name}: {len(current.manifest.get('files', []))} files against the manifest")
    if problems:
        return checked, problems  # the files are not what was published: the rest would mislead
    problems += check_order(current)
    checked.append(f"{folder.name}: queues in SPEC §4 order")
    if previous is not None:
        before, before_problems = load(previous)
        if before is None or before_problems:
            return checked, [f"previous snapshot: {p}" for p in before_problems]
        problems += check_moves(before, current)
        checked.append(f"{previous.name} → {folder.name}: every change explained by the recorded events")
    return checked, problems


def main(argv: list[str] | None = None, out=None) -> int:
    out = out or sys.stdout
    parser = argparse.ArgumentParser(description="Check an INDIGO open-data snapshot against its manifest and the day before.")
    parser.add_argument("folder", type=Path, help="the snapshot folder (with manifest.json)")
    parser.add_argument("--previous", type=Path, help="the snapshot folder of the day before")
    args = parser.parse_args(argv)
    checked, problems = verify(args.folder, args.previous)
    for line in checked:
        print(f"checked: {line}", file=out)
    for line in problems:
        print(f"PROBLEM: {line}", file=out)
    print("OK: the snapshot verifies" if not problems else f"FAILED: {len(problems)} problem(s)", file=out)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
