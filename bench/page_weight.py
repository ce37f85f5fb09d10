"""Benchmark: bytes on the wire for the office page — first visit, repeat visit, one live update.

Runs a private broker, a real hub process and three simulated kiosks that fill 30 days of
ratings (as tools/dashboard_screenshots.py does), signs in over HTTP and hands the session
cookie to a fresh headless Chromium, then reads Chromium's own network events (DevTools
protocol: ``encodedDataLength``, headers included, after compression):

- first visit: an empty cache opens the office page; everything it loads until the network
  has been quiet for a while (the page, its style, script and fonts, the live part, the first
  event of the live stream);
- repeat visit: the same browser opens the page again later (a new navigation, as when a head
  comes back to it), its cache warm;
- live update: one more rating on a kiosk; what the open page receives for it: the stream's
  event and the patch it fetches (the largest one counts as "an update"; the kiosk's status
  after its ack makes another, smaller one).

    python bench/page_weight.py [--write-docs]

The issue's targets: first visit ≤ 200 KB, repeat visit ≤ 40 KB, a live update ≤ 2 KB.
--write-docs replaces this benchmark's section of docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.live_page import show  # noqa: E402
from tools.browser import DESKTOP, launch_chromium  # noqa: E402
from tools.dashboard_screenshots import (  # noqa: E402
    ADMIN,
    OFFICE,
    running_hub,
    seeded_kiosks,
    wait_for_responses,
)

TARGETS = {"first": 200_000, "repeat": 40_000, "update": 2_000}
STREAM = "/events"
# The network counts as quiet after this long without a byte: the live stream stays open, so
# "no request in flight" never comes.
QUIET_S = 2.0
BEGIN, END = "<!-- bench/page_weight.py: begin -->", "<!-- bench/page_weight.py: end -->"


@dataclass
class Wire:
    """Bytes per request, from Chromium's network events, since the last :meth:`reset`."""

    urls: dict[str, str] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    cached: set[str] = field(default_factory=set)
    last: float = field(default_factory=time.monotonic)

    def attach(self, cdp: Any) -> None:
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.dataReceived", self._data)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.requestServedFromCache", lambda e: self.cached.add(e["requestId"]))

    def reset(self) -> None:
        self.sizes.clear()
        self.cached.clear()
        self.last = time.monotonic()

    def _sent(self, event: dict[str, Any]) -> None:
        self.urls[event["requestId"]] = event["request"]["url"]
        self.last = time.monotonic()

    def _response(self, event: dict[str, Any]) -> None:
        if event["response"].get("fromDiskCache") or event["response"].get("fromMemoryCache"):
            self.cached.add(event["requestId"])
        self.last = time.monotonic()

    def _data(self, event: dict[str, Any]) -> None:
        self.sizes[event["requestId"]] += int(event.get("encodedDataLength", 0))
        self.last = time.monotonic()

    def _finished(self, event: dict[str, Any]) -> None:
        # the total, headers included, replaces the chunks counted so far
        self.sizes[event["requestId"]] = int(event["encodedDataLength"])
        self.last = time.monotonic()

    def quiet(self, page: Any, seconds: float = QUIET_S, limit: float = 60) -> None:
        deadline = time.monotonic() + limit
        while time.monotonic() - self.last < seconds and time.monotonic() < deadline:
            page.wait_for_timeout(100)  # lets Playwright deliver the protocol's events

    def rows(self, base: str) -> list[tuple[str, int, bool]]:
        return sorted(((self.urls.get(r, "?").removeprefix(base), size, r in self.cached)
                       for r, size in self.sizes.items()), key=lambda row: -row[1])

    def total(self) -> int:
        return sum(self.sizes.values())


def session_cookie(url: str, password: str) -> dict[str, str]:
    import httpx

    from tests.support import sign_in

    with httpx.Client(base_url=url) as client:
        sign_in(client, ADMIN, password)
        return {"name": "hailong_session", "value": client.cookies["hailong_session"],
                "url": url}


def measure(days: int, per_day: tuple[int, int]) -> dict[str, tuple[int, list[tuple[str, int, bool]]]]:
    from playwright.sync_api import sync_playwright

    from hailong.questionnaire import find_questionnaire
    from kiosk.simulate import pretend_citizen

    found: dict[str, tuple[int, list[tuple[str, int, bool]]]] = {}
    with tempfile.TemporaryDirectory(prefix="hailong-bench-") as scratch:
        home = Path(scratch)
        with running_hub(home) as (url, password, broker), \
                seeded_kiosks(broker.url, home, days, per_day) as (sent, services), \
                sync_playwright() as playwright:
            wait_for_responses(url, password, sent, days)
            browser = launch_chromium(playwright)
            try:
                context = browser.new_context(viewport=DESKTOP)
                context.add_cookies([session_cookie(url, password)])
                page = context.new_page()
                wire = Wire()
                wire.attach(context.new_cdp_session(page))

                def visit(name: str, then: Callable[[], None]) -> None:
                    wire.reset()
                    then()
                    wire.quiet(page)
                    found[name] = (wire.total(), wire.rows(url))

                visit("first", lambda: page.goto(f"{url}/offices/{OFFICE}"))
                page.goto("about:blank")
                visit("repeat", lambda: page.goto(f"{url}/offices/{OFFICE}"))
                questionnaire = find_questionnaire("sipas")
                rng = random.Random(3)
                visit("update", lambda: services[0].submit(pretend_citizen(
                    questionnaire, rng, (1, 2, 5, 40, 52), datetime.now().astimezone())))
            finally:
                browser.close()
    return found


def largest_update(rows: list[tuple[str, int, bool]]) -> int:
    """The largest patch fetched, with its share of the stream's bytes (one event each)."""
    patches = [size for path, size, _ in rows if "/live" in path]
    events = sum(size for path, size, _ in rows if STREAM in path)
    return max(patches, default=0) + events // max(len(patches), 1)


def kb(size: int) -> str:
    return f"{size / 1000:,.1f} KB"


def report(found: dict[str, tuple[int, list[tuple[str, int, bool]]]]) -> str:
    names = {"first": "first visit (empty cache)", "repeat": "repeat visit (warm cache)",
             "update": "one live update (the largest, its event included)"}
    lines = [
        BEGIN,
        "## Office page: bytes on the wire (bench/page_weight.py)",
        "",
        f"Measured {datetime.now().astimezone():%Y-%m-%d %H:%M %Z} on "
        f"{platform.node() or 'this machine'} ({os.cpu_count()} cores), headless Chromium at "
        "1366×768, 30 days of ratings from three simulated kiosks; Chromium's own count of "
        "bytes received (headers included, after compression), until the network was quiet "
        f"for {QUIET_S:.0f} s.",
        "",
        "| visit | bytes | target | |",
        "|---|---|---|---|"]
    for key, (total, rows) in found.items():
        size = largest_update(rows) if key == "update" else total
        verdict = "met" if size <= TARGETS[key] else "NOT met"
        lines.append(f"| {names[key]} | {kb(size)} | ≤ {kb(TARGETS[key])} | {verdict} |")
    lines.append(f"| everything one rating causes (its updates and events) | "
                 f"{kb(found['update'][0])} | | |")
    for key, (_, rows) in found.items():
        lines += ["", f"{names[key].capitalize()}, per request:", "", "| request | bytes |",
                  "|---|---|"]
        for path, size, cached in rows:
            shown = path.split("?")[0]
            lines.append(f"| `{shown}`{' (from cache)' if cached else ''} | {size:,} |")
    lines += [END, ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30, help="days of ratings (default 30)")
    parser.add_argument("--write-docs", action="store_true", help="update docs/performance.md")
    args = parser.parse_args()
    return show(report(measure(args.days, (25, 60))), args.write_docs, BEGIN, END)


if __name__ == "__main__":
    sys.exit(main())
