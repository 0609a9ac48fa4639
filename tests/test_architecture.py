"""The house's shape (issue 13): `core/` depends on no app of the project, the apps above the domain
(replay, operations, portal) are imported by none of them, and no module imports a module that
imports it back — counting imports inside functions, which hide a cycle without removing it.

Read from the source (ast), so the test sees what a reader sees: every `import`, every
`from … import`, and every string that names a project module (importlib, run_job's table)."""

from __future__ import annotations

import ast
from collections import defaultdict
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOT_APPS = {"tests", "bench", "tools", "node_modules", "staticfiles", "var"}
# The apps that run the domain rather than hold it: they may import the domain apps, never the reverse.
ABOVE_DOMAIN = {"replay", "operations", "portal"}


def _packages() -> list[str]:
    return sorted(p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file() and p.name not in NOT_APPS and not p.name.startswith("."))


@cache
def _modules() -> dict[str, Path]:
    modules = {}
    for package in _packages():
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            modules[name.removesuffix(".__init__")] = path
    return modules


def _resolve(name: str) -> str | None:
    """The project module `name` is, or is inside of (a function or class imported from it)."""
    modules = _modules()
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _targets(source: str, module: str) -> set[str]:
    """The project modules a module's text imports anywhere (inside functions too), or names in a
    string ("placements.bulletin" in a job table, "queues.services.x" for importlib)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            targets = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "." in node.value and " " not in node.value and _app(module) != "indigo":
            # (the settings name every app's modules as configuration: that is wiring, not a dependency)
            targets = [node.value] if node.value.split(".")[0] in _packages() else []
        else:
            continue
        for target in targets:
            resolved = _resolve(target)
            if resolved and resolved != module:
                found.add(resolved)
    return found


@cache
def _imports() -> dict[str, set[str]]:
    """Module → the project modules it imports."""
    edges: dict[str, set[str]] = defaultdict(set)
    for module, path in _modules().items():
        edges[module] |= _targets(path.read_text(encoding="utf-8"), module)
    return edges


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    edges, index, low, stack, on_stack, found = _imports(), {}, {}, [], set(), []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in sorted(edges[module]):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(_modules()):
        if module not in index:
            visit(module)
    return found


def _app(module: str) -> str:
    return module.split(".")[0]


def test_no_module_imports_a_module_that_imports_it_back():
    cycles = _cycles()
    described = [" ↔ ".join(cycle) + ": " + "; ".join(f"{a} → {b}" for a in cycle for b in sorted(_imports()[a]) if b in cycle) for cycle in cycles]
    assert not cycles, "import cycles:\n" + "\n".join(described)


def test_core_imports_no_app_of_the_project():
    wrong = {
        module: sorted(target for target in targets if _app(target) != "core")
        for module, targets in _imports().items()
        if _app(module) == "core" and any(_app(target) != "core" for target in targets)
    }
    assert not wrong, f"core/ must depend on no project app: {wrong}"


def test_no_domain_app_imports_the_apps_above_it():
    wrong = {
        module: sorted(target for target in targets if _app(target) in ABOVE_DOMAIN)
        for module, targets in _imports().items()
        if _app(module) not in ABOVE_DOMAIN | {"indigo"} and any(_app(target) in ABOVE_DOMAIN for target in targets)
    }
    assert not wrong, f"replay, operations and portal are above the domain apps: {wrong}"


def test_the_checker_sees_imports_inside_functions_and_named_in_strings():
    """The checks above are only as good as the graph: a lazy import and a module named in a string count."""
    source = (
        "import importlib\n"
        "JOBS = {'bulletin': ('placements.bulletin', 'bulletin_publish')}\n"
        "def later():\n"
        "    from queues.services import application_file\n"
        "    return importlib.import_module('notifications.tasks')\n"
    )
    assert _targets(source, "core.example") == {"placements.bulletin", "queues.services", "notifications.tasks"}
    assert "django" not in str(_targets("from django.db import models\nX = 'a.b'\n", "core.example"))
