"""The browser tests' helpers: a recording tab of headless Chromium, and waits on what a page shows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hailong import contract
from hailong.topics import kiosk_topic
from tests.support import RawClient, wait_until
from tests.support.hubdata import response
from tools.browser import DESKTOP


class Tab:
    """A browser tab on one hub, recording every request it makes."""

    def __init__(self, chromium: Any, base: str, viewport: dict[str, int] = DESKTOP) -> None:
        self.base = base
        self.context = chromium.new_context(viewport=viewport)
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))

    def goto(self, path: str) -> Any:
        return self.page.goto(self.base + path)

    def sign_in(self, name: str, password: str, path: str = "/signin") -> None:
        self.goto(path)
        self.page.fill("#name", name)
        self.page.fill("#password", password)
        with self.page.expect_navigation():
            self.page.click("#signin-form button[type=submit]")

    def live_state(self) -> str:
        return str(self.page.get_attribute("#live-status", "data-state"))

    def foreign_requests(self) -> list[str]:
        return [u for u in self.requests if not u.startswith((self.base + "/", "data:"))]

    def close(self) -> None:
        assert self.foreign_requests() == [], "the page fetched something from elsewhere"
        self.context.close()


def publish(broker_url: str, office: str, overall: int = 5) -> None:
    """One rating of ``office`` published on the broker, as its kiosk k01 would."""
    raw = RawClient(broker_url)
    raw.publish(kiosk_topic(office, "k01", "response"),
                contract.encode(response(office=office, overall=overall)))
    raw.close()


# The pages' Content-Security-Policy forbids eval, so Playwright's wait_for_function cannot
# run there: the tests poll the page from Python instead.
def wait_state(tab: Tab, state: str) -> None:
    wait_until(lambda: tab.live_state() == state, interval=0.02,
               message=f"the live status {state!r}")


def wait_live(tab: Tab) -> None:
    wait_state(tab, "live")


def responses_shown(tab: Tab) -> int:
    return int(str(tab.page.get_attribute("#responses-today", "data-value")))


def expect_responses(tab: Tab, count: int) -> None:
    wait_until(lambda: responses_shown(tab) == count, interval=0.02,
               message=f"{count} responses on the page")


def upload(tab: Tab, path: Path, channel: str = "") -> None:
    tab.page.set_input_files("#survey-file", str(path))
    tab.page.select_option("#survey-channel", channel)
    with tab.page.expect_navigation():
        tab.page.click("form.upload button[type=submit]")
