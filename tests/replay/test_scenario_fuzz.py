"""SPEC §11, issue 13 items 1 and 5: `simulate` on generated malformed scenarios, run in-process.

Every scenario in tests/scenarios/ is mutated one field at a time — the field replaced by a value of
a wrong type (a list, an object, null, a number for a string or a string for a number, a boolean) or
removed — and `call_command("simulate", …)` must end with exit 2 and one line naming the event (or
the field outside the events), or, where a removed field is optional, replay normally (exit 0).
Never a traceback, never exit 1. Every field path of every scenario gets every wrong type; removing
an optional field replays, so those are sampled (fixed seed) to one variant per field path.
"""

from __future__ import annotations

import copy
import io
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from queues.models import Locality

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
# SPEC §11's table: the only event fields with a default; every other event field is required.
OPTIONAL_EVENT_FIELDS = {"benefit", "queues", "sen_pmpk", "birth_date"}
WRONG_TYPES = ("list", "object", "null", "swap", "boolean")

Path_ = tuple[str | int, ...]


def _scenario_paths() -> list[Path]:
    return sorted(p for p in SCENARIOS.glob("*.json") if not p.name.endswith(".expected.json"))


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _walk(value: Any, path: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    """Every value below the root (object fields and list items) with its path."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        yield (*path, key), item
        yield from _walk(item, (*path, key))


def _abstract(doc: dict, path: Path_) -> str:
    """A field path without list indices; inside an event, by the event's type: events[claim].group."""
    parts, node = [], doc
    for key in path:
        if isinstance(key, int):
            parts.append(f"[{node[key]['type']}]" if parts == ["events"] and isinstance(node[key], dict) else "[]")
        else:
            parts.append(f".{key}" if parts else key)
        node = node[key]
    return "".join(parts)


def _wrong(value: Any, kind: str) -> Any:
    """A value of another type than `value`'s, or a sentinel when `kind` is `value`'s own type."""
    if kind == "list":
        return _SAME if isinstance(value, list) else [value]
    if kind == "object":
        return _SAME if isinstance(value, dict) else {"value": value}
    if kind == "null":
        return None
    if kind == "boolean":
        return _SAME if isinstance(value, bool) else True
    # swap: a number for a string, a string for a number (or for a boolean, a list, an object)
    if isinstance(value, str):
        return int(value) if value.isdigit() else 7
    return str(value).lower() if isinstance(value, bool | int) else "x"


_SAME = object()


def _set(doc: dict, path: Path_, value: Any) -> dict:
    doc = copy.deepcopy(doc)
    node = doc
    for key in path[:-1]:
        node = node[key]
    if value is _REMOVE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return doc


_REMOVE = object()


def _run(doc: Any, tmp_path: Path) -> tuple[int, str, str]:
    """`call_command("simulate", …)` in this process: (exit code, stdout, stderr)."""
    path = tmp_path / "variant.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("simulate", str(path), stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    return code, out.getvalue(), err.getvalue()


def _named_place(path: Path_) -> str:
    """What the one-line message must name: the event index, or the top-level field."""
    if not path:
        return "the scenario"
    if path[0] == "events" and len(path) > 1:
        return f"event {path[1]}"
    return str(path[0])


def _exit_2_problem(path: Path_, code: int, out: str, err: str) -> str | None:
    lines = err.strip().splitlines()
    if code != 2:
        return f"exit {code}: {err.strip()[-300:]!r}"
    if len(lines) != 1 or not lines[0].startswith("simulate: malformed scenario: "):
        return f"not one line: {err!r}"
    if out:
        return f"stdout not empty: {out[:100]!r}"
    if _named_place(path) not in lines[0]:
        return f"does not name {_named_place(path)!r}: {lines[0]!r}"
    return None


def _must_exit_2(path: Path_, removed: bool) -> bool:
    if not removed:
        return True  # SPEC §11: an ill-typed field is malformed
    return len(path) == 3 and path[0] == "events" and path[2] not in OPTIONAL_EVENT_FIELDS


def _variants(doc: dict) -> Iterator[tuple[Path_, str, Any]]:
    """(path, mutation, the mutated scenario) for every field and every wrong type, and removals."""
    for kind in WRONG_TYPES:  # the whole document of a wrong type
        if (wrong := _wrong(doc, kind)) is not _SAME:
            yield (), kind, wrong
    for path, value in _walk(doc):
        for kind in WRONG_TYPES:
            if (wrong := _wrong(value, kind)) is not _SAME:
                yield path, kind, _set(doc, path, wrong)
        if isinstance(path[-1], str):
            yield path, "removed", _set(doc, path, _REMOVE)


def test_there_are_scenarios_to_mutate():
    assert len(_scenario_paths()) >= 10


@pytest.mark.parametrize("scenario", _scenario_paths(), ids=lambda p: p.stem)
def test_every_ill_typed_or_missing_field_exits_2_with_one_line(scenario: Path, tmp_path):
    """No database is touched: each variant is refused before the replay (a replay would fail here,
    the test database being locked for this test)."""
    doc = _load(scenario)
    problems, checked = [], 0
    for path, kind, variant in _variants(doc):
        if not _must_exit_2(path, kind == "removed"):
            continue
        code, out, err = _run(variant, tmp_path)
        checked += 1
        if problem := _exit_2_problem(path, code, out, err):
            problems.append(f"  {_abstract(doc, path) or '$'} {list(path)} {kind}: {problem}")
    assert checked > 50
    assert not problems, f"{scenario.name}: {len(problems)} of {checked} variants misbehave\n" + "\n".join(problems[:40])


def _optional_removals() -> list:
    """One removal per field path outside the required event fields of SPEC §11 (fixed seed)."""
    found: dict[str, list[tuple[Path, Path_]]] = {}
    for scenario in _scenario_paths():
        doc = _load(scenario)
        for path, _value in _walk(doc):
            if isinstance(path[-1], str) and not _must_exit_2(path, removed=True):
                found.setdefault(_abstract(doc, path), []).append((scenario, path))
    rng = random.Random(13)
    return [pytest.param(abstract, *rng.choice(sorted(choices, key=lambda c: (c[0].name, c[1]))), id=abstract) for abstract, choices in sorted(found.items())]


@pytest.mark.django_db
@pytest.mark.parametrize(("abstract", "scenario", "path"), _optional_removals())
def test_removing_any_other_field_replays_or_exits_2(abstract: str, scenario: Path, path: Path_, tmp_path):
    doc = _load(scenario)
    code, out, err = _run(_set(doc, path, _REMOVE), tmp_path)
    if code == 0:
        assert err == ""
        assert len(json.loads(out)["events"]) == len(doc["events"])
    else:
        assert _exit_2_problem(path, code, out, err) is None, (abstract, path, code, err)


@pytest.mark.django_db
def test_call_command_returns_in_this_process_and_leaves_the_callers_database(tmp_path):
    """Item 5: on PostgreSQL too, `call_command` replays in a throw-away in-memory database inside
    this process (no `execve`), prints the SPEC output, and the caller's database is untouched."""
    vendor = connection.vendor
    Locality.objects.create(code="callers", name="The caller's own")
    code, out, err = _run(_load(SCENARIOS / "spec_example.json"), tmp_path)
    assert (code, err) == (0, "")
    assert json.loads(out) == _load(SCENARIOS / "spec_example.expected.json")
    # the same connection as before, with the caller's row and none of the replay's
    assert connection.vendor == vendor
    assert list(Locality.objects.values_list("code", flat=True)) == ["callers"]
    # a second replay starts from an empty database again (numbers from 1)
    code, out, _err = _run(_load(SCENARIOS / "spec_example.json"), tmp_path)
    assert code == 0 and json.loads(out) == _load(SCENARIOS / "spec_example.expected.json")


def test_unreadable_scenarios_exit_2_with_one_line(tmp_path):
    cases = {"missing.json": None, "bad.json": b"{not json", "latin1.json": '{"start": "\xe9"}'.encode("latin-1")}
    for name, content in cases.items():
        path = tmp_path / name
        if content is not None:
            path.write_bytes(content)
        err = io.StringIO()
        with pytest.raises(SystemExit) as exit_:
            call_command("simulate", str(path), stdout=io.StringIO(), stderr=err)
        assert exit_.value.code == 2, name
        assert len(err.getvalue().strip().splitlines()) == 1, name
