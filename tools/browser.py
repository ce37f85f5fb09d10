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
PHONE = {"width": 390, "height": 844}


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
