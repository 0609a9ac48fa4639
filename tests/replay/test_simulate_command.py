"""SPEC §11: the `simulate` command as a user runs it: a fresh database, JSON on stdout, exit 2."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "tests" / "scenarios"


def _simulate(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", "simulate", str(path)], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_spec_example_replays_to_the_spec_output():
    done = _simulate(SCENARIOS / "spec_example.json")
    assert done.returncode == 0, done.stderr
    expected = json.loads((SCENARIOS / "spec_example.expected.json").read_text())
    assert json.loads(done.stdout) == expected


@pytest.mark.parametrize(
    ("mutation", "needle"),
    [
        (lambda s: s["events"].append({"at": "2024-06-04T10:00:00+05:00", "type": "teleport"}), "event 4"),
        (lambda s: s["events"][1].pop("count"), "event 1"),
        (lambda s: s["events"][1].update(count="2"), "event 1"),
        (lambda s: s["events"][2].update(at="2024-06-01T00:00:00+05:00"), "event 2"),
        (lambda s: s["events"][0].update(at="2024-04-01T00:00:00+05:00"), "event 0"),
        (lambda s: s["events"][3].update(at="2024-06-11T00:00:00+05:00"), "event 3"),
        (lambda s: s["events"][1].update(ref="A1"), "event 1"),
        (lambda s: s["events"][0].update(benefit="golden"), "event 0"),
        (lambda s: s["events"][0].update(queues=["vip"]), "event 0"),
        (lambda s: s["kindergartens"][0]["groups"].append(dict(s["kindergartens"][0]["groups"][0])), "duplicate group code"),
    ],
)
def test_malformed_scenario_exits_2_naming_the_event(tmp_path, mutation, needle):
    scenario = json.loads((SCENARIOS / "spec_example.json").read_text())
    mutation(scenario)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(scenario))
    done = _simulate(path)
    assert done.returncode == 2
    assert needle in done.stderr
    assert done.stdout == ""
