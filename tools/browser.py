"""Headless Chromium through Playwright, for the dashboard's tests and screenshots.

Debian's ``chromium`` package is the browser (installed by deploy/dev/system-packages.sh);
Playwright only drives it, so nothing is ever downloaded (never ``playwright install``).
"""

from __future__ import annotations

import os
import shutil
from typing import Any

CHROMIUM = "/usr/bin/chromium"
# Headless, no sandbox (containers and CI run as root), and none of the background traffic a
# desktop browser makes on its own: a test must see only the hub's own requests.
CHROMIUM_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run")
DESKTOP = {"width": 1366, "height": 768}
# The smallest phone screen a page must work on (issue 16): a 360 px wide Android.
PHONE = {"width": 360, "height": 640}
# What the accessibility check reports: axe-core's two highest of its four levels of impact.
AXE_IMPACTS = ("serious", "critical")
# Text a person never reads on a page: an ISO time (the API keeps ISO) or an unlabelled UTC.
ISO_TIME = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}|\bUTC\b(?![+-]\d)"
# Boxes that scroll sideways inside the page, a wide table's hidden part (phones).
SIDEWAYS = """() => Array.from(document.querySelectorAll('main *'))
  .filter(e => e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0
          && ['auto', 'scroll'].includes(getComputedStyle(e).overflowX))
  .map(e => (e.id ? '#' + e.id : e.tagName.toLowerCase() + '.' + e.className)
            + ' ' + e.scrollWidth + '>' + e.clientWidth)"""


def chromium_path() -> str | None:
    if os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    return shutil.which("chromium")


def playwright_available() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return True


def launch_chromium(playwright: Any) -> Any:
    """A headless Chromium browser from a running ``sync_playwright()``."""
    path = chromium_path()
    if path is None:
        raise RuntimeError("Chromium is not installed: sudo apt-get install -y chromium")
    return playwright.chromium.launch(executable_path=path, args=list(CHROMIUM_ARGS),
                                      headless=True)

# The innermost elements reaching past the screen's right edge (what makes a page too wide).
WIDE = """() => Array.from(document.querySelectorAll('body *'))
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
          && !Array.from(e.children).some(c => c.getBoundingClientRect().right > window.innerWidth + 1))
  .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                        + (e.className && e.className.baseVal === undefined ? '.' + e.className : '')
                        + ' "' + (e.textContent || '').trim().slice(0, 40) + '"')"""
# Text in a chart drawn smaller than a phone's reader can take (pixels on the screen).
SMALLEST_CHART_TEXT_PX = 12
SMALL_CHART_TEXT = """() => Array.from(document.querySelectorAll('svg.chart text'))
  .filter(t => t.getClientRects().length)
  .map(t => [t.textContent, parseFloat(getComputedStyle(t).fontSize)
                              * t.ownerSVGElement.getScreenCTM().a])
  .filter(([, px]) => px < SMALLEST)
  .map(([text, px]) => text + ' at ' + px.toFixed(1) + ' px')""".replace(
    "SMALLEST", str(SMALLEST_CHART_TEXT_PX))


def axe_findings(page: Any) -> list[str]:
    """axe-core's serious and critical findings on an open page, one line each.

    axe-core is the copy bundled in the axe-playwright-python wheel: nothing is fetched.
    """
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(" ".join(map(str, n["target"])) for n in v["nodes"][:6])
            for v in results.response["violations"] if v["impact"] in AXE_IMPACTS]


def page_problems(page: Any, phone: bool) -> list[str]:
    """What a person would find wrong with an open page: axe's findings, a page wider than the
    screen, a box scrolling sideways on a phone, an ISO or bare UTC time in the text."""
    import re

    problems = axe_findings(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 0:
        problems.append(f"{overflow} px wider than the screen: {', '.join(page.evaluate(WIDE))}")
    if phone:
        problems += [f"scrolls sideways: {s}" for s in page.evaluate(SIDEWAYS)]
        problems += [f"chart text too small: {s}" for s in page.evaluate(SMALL_CHART_TEXT)]
    text = page.inner_text("body")
    problems += [f"time as ISO text: {m.group(0)!r}" for m in re.finditer(ISO_TIME, text)]
    return problems
