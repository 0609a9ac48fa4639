"""SPEC §11 scenarios: every tests/scenarios/NAME.json replayed in-process must give NAME.expected.json.

The expected documents are reasoned out by hand from SPEC.md (see tests/scenarios/README.md), never
produced by the code under test. On a mismatch the failure lists every differing key path.
"""

import json
from pathlib import Path
from typing import Any

import pytest

from replay.simulation import scenario_run
from tests.numbers import numbers_restart

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
_MISSING = object()


def _scenario_paths() -> list[Path]:
    return sorted(p for p in SCENARIOS.glob("*.json") if not p.name.endswith(".expected.json") and p.with_suffix(".expected.json").exists())


def _flatten(value: Any, path: str = "$") -> dict[str, Any]:
    """Every leaf of a JSON document by its path; lists by index, so their order counts."""
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for key, item in value.items():
            # seat names carry a dot ("R1.2"): quote such keys so the path stays unambiguous
            out.update(_flatten(item, f"{path}.{key}" if key.isidentifier() else f"{path}[{json.dumps(key)}]"))
        return out
    if isinstance(value, list) and value:
        out = {}
        for i, item in enumerate(value):
            out.update(_flatten(item, f"{path}[{i}]"))
        return out
    return {path: value}


def _diff(expected: Any, actual: Any) -> list[str]:
    want, got = _flatten(expected), _flatten(actual)
    lines = []
    for path in sorted(want.keys() | got.keys()):
        w, g = want.get(path, _MISSING), got.get(path, _MISSING)
        if w is _MISSING:
            lines.append(f"  {path}: unexpected {json.dumps(g, ensure_ascii=False)}")
        elif g is _MISSING:
            lines.append(f"  {path}: missing, expected {json.dumps(w, ensure_ascii=False)}")
        elif w != g or type(w) is not type(g):
            lines.append(f"  {path}: expected {json.dumps(w, ensure_ascii=False)}, got {json.dumps(g, ensure_ascii=False)}")
    return lines


def test_there_are_hand_written_scenarios():
    assert len(_scenario_paths()) >= 10


@pytest.mark.django_db
@pytest.mark.parametrize("path", _scenario_paths(), ids=lambda p: p.stem)
def test_scenario_replays_to_its_expected_output(path: Path):
    scenario = json.loads(path.read_text(encoding="utf-8"))
    expected = json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))

    numbers_restart()  # numbers count from 1 in a scenario (SPEC §11)
    actual = scenario_run(scenario)

    if actual != expected:
        lines = _diff(expected, actual)
        pytest.fail(f"{path.name}: {len(lines)} key(s) differ from {path.stem}.expected.json\n" + "\n".join(lines), pytrace=False)
