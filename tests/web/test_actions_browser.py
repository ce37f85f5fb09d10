"""In a real browser (headless Chromium): an admin adds an action with the page's form, marks
it done, finds it in the report and, without signing in, on the public page; every page passes
axe-core and fits at 360×640 and 1366×768."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hailong.broker import Broker
from hub.admin.accounts import Accounts
from hub.store import tables as t
from tests.support import RunningHub
from tests.support.actions import OFFICE, PASSWORD, PROVINCE, last_month_moment, public_hub
from tools.browser import DESKTOP, PHONE, page_problems


@pytest.fixture
def hub(tmp_path: Path, broker: Broker) -> Iterator[RunningHub]:
    running = public_hub(tmp_path, broker.url, "hailong-hub-actions-browser")
    Accounts(running.hub.store.engine).add_user("root", "admin", [], PASSWORD)
    yield running
    running.stop()


def open_page(chromium: Any, url: str, viewport: dict[str, int]) -> Any:
    context = chromium.new_context(viewport=viewport)
    page = context.new_page()
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(url)
    page.asked = asked
    return page


def sign_in(page: Any, base: str) -> None:
    page.goto(base + "/signin")
    page.fill("#name", "root")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("#signin-form button[type=submit]")


def test_an_admin_adds_an_action_seen_in_the_report_and_on_the_public_page(
        hub: RunningHub, chromium: Any) -> None:
    base = hub.url
    page = open_page(chromium, base + "/signin", DESKTOP)
    sign_in(page, base)
    page.goto(f"{base}/offices/{OFFICE}")
    with page.expect_navigation():
        page.click("#link-actions")
    assert page_problems(page, phone=False) == []
    due = last_month_moment().date()
    page.select_option("#problem-new", "factor:3")
    page.fill("#measure-new", "Dán bảng hướng dẫn mới tại quầy")
    page.fill("#responsible-new", "Tổ trưởng Một cửa")
    page.fill("#due-new", due.isoformat())
    page.select_option("#status-new", "done")
    page.fill("#result-new", "Người dân tự điền tờ khai nhanh hơn")
    with page.expect_navigation():
        page.click("#action-new button[type=submit]")
    assert page.inner_text("#actions-message") == "Đã lưu."
    action = page.locator("section.action")
    assert action.count() == 1 and action.get_attribute("data-status") == "done"
    assert "Đã hoàn thành" in action.inner_text()
    assert page_problems(page, phone=False) == []

    page.goto(f"{base}/offices/{OFFICE}/report?from={due.replace(day=1)}&to={due}")
    assert "Dán bảng hướng dẫn mới tại quầy" in page.inner_text("#section-actions")

    # done today: told once this month has closed; moved into last month to be told now
    with hub.hub.store.engine.begin() as conn:
        conn.execute(t.actions.update().values(done_at=last_month_moment()))
    hub.hub.dashboard.action_done(OFFICE)
    for viewport in (PHONE, DESKTOP):
        public = open_page(chromium, f"{base}/public/{PROVINCE}", viewport)
        text = public.inner_text("main")
        assert "Ông/Bà đã góp ý – chúng tôi đã làm" in text
        assert "Dán bảng hướng dẫn mới tại quầy" in text
        assert "75%" in text  # 3 of last month's 4 overall answers were 4 or 5
        assert page_problems(public, phone=viewport is PHONE) == []
        assert [u for u in public.asked if not u.startswith(base + "/")] == []
        public.context.close()
    page.context.close()


def test_the_actions_page_fits_a_phone(hub: RunningHub, chromium: Any) -> None:
    page = open_page(chromium, hub.url + "/signin", PHONE)
    sign_in(page, hub.url)
    page.goto(f"{hub.url}/offices/{OFFICE}/actions")
    assert page_problems(page, phone=True) == []
    page.context.close()
