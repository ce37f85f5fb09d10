"""The phone questionnaire in a real headless Chromium at 360×640 with touch: a link rated by
tapping, counted once under ``web``; a double tap; refused links; accessibility (axe-core);
nothing fetched from elsewhere; the page's weight over the wire."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hailong.broker import Broker
from tests.support import RunningHub, wait_until
from tests.support.web import receipt_h, web_hub
from tools.browser import PHONE, page_problems

THANKS = "Cảm ơn Ông/Bà!"
# The issue's bound: a screen with its style and its subset font, as the wire carries them.
MAX_PAGE_BYTES = 100_000


@pytest.fixture
def running(tmp_path: Path, broker: Broker) -> Iterator[RunningHub]:
    hub = web_hub(tmp_path, broker, client_id="hailong-hub-web-browser")
    yield hub
    hub.stop()


class PhoneTab:
    """A phone-sized tab with touch, recording every request and its bytes on the wire."""

    def __init__(self, chromium: Any, base: str) -> None:
        self.base = base
        self.context = chromium.new_context(viewport=PHONE, has_touch=True, is_mobile=True,
                                            device_scale_factor=2)
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.wire: list[int] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("requestfinished", self._finished)

    def _finished(self, request: Any) -> None:
        sizes = request.sizes()
        self.wire.append(sizes["responseBodySize"] + sizes["responseHeadersSize"])

    def tap(self, selector: str) -> None:
        with self.page.expect_navigation():
            self.page.tap(selector)

    def heading(self) -> str:
        return str(self.page.inner_text("h1")).strip()

    def problems(self) -> list[str]:
        return page_problems(self.page, phone=True)

    def close(self) -> None:
        foreign = [u for u in self.requests if not u.startswith((self.base + "/", "data:"))]
        assert foreign == [], "the page fetched something from elsewhere"
        self.context.close()


def stored(hub: RunningHub) -> list[tuple[str, str]]:
    with hub.hub.store.engine.connect() as conn:
        return [(r[0], r[1]) for r in conn.exec_driver_sql(
            "SELECT channel, answers FROM responses").all()]


def test_a_link_is_rated_by_tapping_on_a_phone_and_counted_once_under_web(
        running: RunningHub, chromium: Any) -> None:
    url = running.hub.web.issue("ubnd-a", "q3", "result", receipt_h("H21.65-221114-0002")).url
    tab = PhoneTab(chromium, running.url)
    try:
        tab.page.goto(url)
        assert sum(tab.wire) <= MAX_PAGE_BYTES, f"{sum(tab.wire)} bytes for the first screen"
        assert tab.heading().startswith("Nhìn chung")
        problems = tab.problems()
        assert [c["name"] for c in tab.context.cookies()] == ["hailong_form"]
        tab.tap("button[value='answer:2']")
        assert tab.heading() == "Ông/Bà chưa hài lòng về điều gì?"
        tab.page.tap("label:has(input[value='wait'])")
        tab.page.tap("label:has(input[value='impolite'])")
        problems += tab.problems()
        tab.tap("button.primary")
        seen = [tab.heading()]
        for _ in range(20):  # the factor ratings, the integrity questions, the needs
            if tab.page.locator("button[value='answer:no']").count():
                problems += tab.problems()  # the integrity screen and its note
                tab.tap("button[value='answer:no']")
            elif tab.page.locator("button[value='answer:4']").count():
                tab.tap("button[value='answer:4']")
            elif tab.page.locator("button[value='skip']").count():
                tab.tap("button[value='skip']")
            if tab.heading() == THANKS:
                break
            seen.append(tab.heading())
        assert tab.heading() == THANKS, seen
        assert "Ông/Bà có phải chi thêm tiền ngoài quy định không?" in seen
        problems += tab.problems()
        assert problems == [], "\n".join(problems)
        rows = stored(running)
        assert [channel for channel, _ in rows] == ["web"]
        assert '"reasons":["wait","impolite"]' in rows[0][1]
        assert "integrity" not in rows[0][1]  # counted apart, never in the row
        status, scores = running.get("/api/v1/offices/ubnd-a/scores?channel=web")
        assert status == 200 and scores["responses"] == 1
        # the link again, now used: a clear Vietnamese page
        tab.page.goto(url)
        assert "Hồ sơ này đã được đánh giá" in tab.page.inner_text("main")
        assert tab.problems() == []
    finally:
        tab.close()


def test_a_double_tap_on_send_stores_one_rating(running: RunningHub, chromium: Any) -> None:
    url = running.hub.web.issue("ubnd-a", "q3", None, receipt_h("H21.65-221114-0003")).url
    tab = PhoneTab(chromium, running.url)
    try:
        tab.page.goto(url)
        tab.tap("button[value='answer:5']")
        with tab.page.expect_navigation():
            tab.page.evaluate("""() => { const send = document.querySelector('button.send');
                                        send.click(); send.click(); }""")
        wait_until(lambda: tab.heading() == THANKS, message="the thank-you page")
        assert [channel for channel, _ in stored(running)] == ["web"]
        assert running.hub.ingestor.counters.rejected == 0
    finally:
        tab.close()


def test_refused_links_say_why_in_vietnamese_and_english_is_one_tap_away(
        running: RunningHub, chromium: Any) -> None:
    web = running.hub.web
    url = web.issue("ubnd-a", "q3", "receive", receipt_h("H21.65-221114-0004")).url
    tab = PhoneTab(chromium, running.url)
    try:
        tab.page.goto(url[:-3] + ("xyz" if not url.endswith("xyz") else "abc"))
        assert "Liên kết đánh giá này không hợp lệ" in tab.page.inner_text("main")
        assert tab.problems() == []
        tab.page.goto(url + "?lang=en")
        assert tab.heading().startswith("Overall, how satisfied")
        tab.tap("button[value='lang']")
        assert tab.heading().startswith("Nhìn chung")
        assert tab.problems() == []
        assert stored(running) == []
    finally:
        tab.close()
