"""axe-core on a page (issue 11, item 12): no serious or critical accessibility violation.

axe-core comes from npm (package.json, pinned in package-lock.json; `make install` runs `npm ci`).
`check_axe(page)` evaluates node_modules/axe-core/axe.min.js in the page (the CSP forbids a
injected <script>), runs `axe.run()` on the whole
document and fails with one line per violation: its rule, impact, help and the elements it found.
Without node_modules (npm absent) the check is skipped with a warning, so a journey still runs.
"""

from __future__ import annotations

import functools
import warnings
from pathlib import Path

from playwright.sync_api import Page

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")

_RUN = """async (impacts) => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter((v) => impacts.includes(v.impact))
    .map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
      more: Math.max(0, v.nodes.length - 5),
    }));
}"""


@functools.cache
def _source() -> str:
    return AXE_JS.read_text(encoding="utf-8") + "\n;true"


def axe_violations(page: Page) -> list[dict]:
    """The serious and critical violations on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Not page.add_script_tag: the pages' CSP (script-src 'self') blocks an inline <script>.
        # An evaluation from the driver is not a page script, so the CSP stays on for the journey.
        page.evaluate(_source())
    return page.evaluate(_RUN, list(FAILING_IMPACTS))


def check_axe(page: Page, where: str = "") -> None:
    """Fail when axe-core finds a serious or critical violation on the page."""
    if not AXE_JS.exists():
        warnings.warn(f"axe-core is not installed ({AXE_JS}): run `npm ci`; the accessibility check is skipped", stacklevel=2)
        return
    violations = axe_violations(page)
    if violations:
        lines = [f"axe-core: {len(violations)} serious/critical violation(s) on {where or page.url}:"]
        for v in violations:
            targets = ", ".join(v["targets"]) + (f" (+{v['more']} more)" if v["more"] else "")
            lines.append(f"  - {v['id']} [{v['impact']}] {v['help']}: {targets}")
        raise AssertionError("\n".join(lines))
