"""axe-core's WCAG 2 A and AA rules run inside the page (the vendored script, never fetched)."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core" / "axe.min.js"
#: tests/web/vendor/axe-core/README.md names the release this is; a changed file must be a deliberate update.
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
TAGS = ["wcag2a", "wcag2aa"]
NODES_SHOWN = 3

_RUN = """async (tags) => {
    const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
    return result.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary || ''})),
    }));
}"""


@cache
def axe_source() -> str:
    data = AXE.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != AXE_SHA256:
        raise RuntimeError(f"{AXE} has sha256 {digest}, expected {AXE_SHA256} (see its README to update)")
    return data.decode("utf-8")


def _inject(page: Page) -> None:
    # page.add_script_tag(content=...) would add an inline <script> that the pages' own Content-Security-Policy
    # (rightly) refuses; evaluating through the DevTools protocol is outside the page's CSP, which stays on.
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())


def accessibility_violations(page: Page) -> list[dict[str, Any]]:
    """The WCAG 2 A/AA violations axe-core finds in the page as it is now."""
    _inject(page)
    violations: list[dict[str, Any]] = page.evaluate(_RUN, TAGS)
    return violations


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        targets = "; ".join(n["target"] for n in v["nodes"][:NODES_SHOWN])
        more = f" (+{len(v['nodes']) - NODES_SHOWN} more)" if len(v["nodes"]) > NODES_SHOWN else ""
        lines.append(f"{v['id']} [{v['impact']}] {v['help']}: {targets}{more}")
    return "\n".join(lines)


def check_accessibility(page: Page) -> None:
    """Fails with each violation's rule id, impact and first elements when the page breaks a WCAG 2 A/AA rule."""
    violations = accessibility_violations(page)
    assert not violations, f"axe-core WCAG 2 A/AA violations on {page.url}:\n{describe(violations)}"
