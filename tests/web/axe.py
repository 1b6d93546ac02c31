"""axe-core in the page: WCAG 2.2 A/AA rules, serious and critical findings.

axe.min.js is the npm package axe-core (MPL-2.0), vendored under tests/web/vendor/axe-core/
with its licence (`npm pack axe-core`): the tests run with no network. It is injected as a
script tag, so the page must come from a context that bypasses the CSP (`new_page()` does).
"""
from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WCAG22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
BLOCKING = ("serious", "critical")


def axe_findings(page: Page) -> list[str]:
    """One line per serious or critical violation: rule, impact, the elements and why."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("""tags => axe.run(document, {runOnly: {type: 'tag', values: tags},
                                                       resultTypes: ['violations']})""", WCAG22_AA)
    out = []
    for v in result["violations"]:
        if v["impact"] not in BLOCKING:
            continue
        for node in v["nodes"]:
            out.append(f"{v['id']} ({v['impact']}) {node['target']}: {node.get('failureSummary', '')[:300]}")
    return out
