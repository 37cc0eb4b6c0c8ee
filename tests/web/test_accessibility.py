"""axe-core on every page of the tour, on a laptop's screen (1280x800) and on a phone's
(390x844): no serious or critical violation (contrast, names and labels, ARIA, keyboard access
to scrolling boxes, targets of 24 px...).

axe runs in the page as the page is left by the tour: a form or a dialog open, the pointer where
the last click left it (so a hover style is checked too)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, ViewportSize

from reachout.db import Database
from tests.factories import World
from tests.web.conftest import PHONE
from tests.web.tour import seed, walk

AXE = Path(__file__).parent / "vendor" / "axe-4.10.2.min.js"  # see vendor/README.md
GATE = ["serious", "critical"]
LAPTOP: ViewportSize = {"width": 1280, "height": 800}

RUN_AXE = """async (gate) => {
  // target-size (WCAG 2.2 AA, 24 px) is off by default in axe 4.10: on.
  const result = await axe.run(document, {
    resultTypes: ['violations'], rules: {'target-size': {enabled: true}}});
  return result.violations.filter(v => gate.includes(v.impact)).map(v =>
    `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')}`);
}"""


@functools.cache
def _axe_source() -> str:
    # Evaluated through the DevTools protocol, outside the app's Content-Security-Policy
    # (script-src 'self'), which refuses the inline <script> that page.add_script_tag writes.
    return AXE.read_text(encoding="utf-8") + "\n;undefined"


def _violations(page: Page) -> list[str]:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    violations: list[str] = page.evaluate(RUN_AXE, GATE)
    return violations


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["desktop", "phone"])
def test_no_serious_accessibility_violation_on_any_page(
    viewport: ViewportSize,
    signed_in: Callable[..., BrowserContext],
    contexts: Callable[..., BrowserContext],
    db: Database,
    world: World,
) -> None:
    sights = seed(db, world)
    mine = signed_in("admin", viewport=viewport).new_page()
    signed_out = contexts(None, viewport).new_page()
    found = {
        stop.name: v for stop, page in walk(mine, signed_out, sights) if (v := _violations(page))
    }
    assert found == {}
