"""The dashboard in a real headless Chromium: sign-in, access, CSRF, live updates, reconnection."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from hailong import contract
from hailong.broker import Broker, free_port
from hailong.topics import kiosk_topic
from hub.admin.accounts import Accounts
from hub.roster import Roster
from tests.hubdata import status
from tests.support import (
    OutputLines,
    RawClient,
    RunningHub,
    hub_settings,
    interrupt,
    like_a_terminal,
    port_open,
    wait_until,
)
from tests.test_end_to_end import response
from tools.browser import DESKTOP, PHONE

PASSWORD = "mật khẩu đủ dài"
# The bound, a new rating on the open page within a second, is measured by
# bench/live_page.py (docs/performance.md); these tests wait for the page to change.


@pytest.fixture
def people(hub: RunningHub) -> Accounts:
    accounts = Accounts(hub.hub.store.engine)
    accounts.add_user("root", "admin", [], PASSWORD)
    accounts.add_user("lan", "head", ["ubnd-a"], PASSWORD)
    return accounts


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


@pytest.fixture
def tab(chromium: Any, hub: RunningHub) -> Iterator[Tab]:
    opened = Tab(chromium, hub.url)
    yield opened
    opened.close()


def publish(broker_url: str, office: str, overall: int = 5) -> None:
    raw = RawClient(broker_url)
    raw.publish(kiosk_topic(office, "k01", "response"),
                contract.encode(response(office=office, overall=overall)))
    raw.close()


def test_sign_in_leads_where_you_were_going_and_sign_out_ends_the_session(
        hub: RunningHub, people: Accounts, tab: Tab) -> None:
    tab.goto("/offices/ubnd-a")
    assert "/signin" in tab.page.url
    assert tab.page.inner_text("#signin-message") == "Hãy đăng nhập để xem trang này."
    tab.page.fill("#name", "lan")
    tab.page.fill("#password", PASSWORD)
    with tab.page.expect_navigation():
        tab.page.click("#signin-form button[type=submit]")
    assert tab.page.url == hub.url + "/offices/ubnd-a"
    assert "lan (trưởng bộ phận)" in tab.page.inner_text("header")
    cookie = next(c for c in tab.context.cookies() if c["name"] == "hailong_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and not cookie["secure"]

    with tab.page.expect_navigation():
        tab.page.click("form.signout button")
    assert "/signin" in tab.page.url
    assert tab.page.inner_text("#signin-message") == "Đã đăng xuất."
    assert not any(c["name"] == "hailong_session" for c in tab.context.cookies())
    tab.goto("/")
    assert "/signin" in tab.page.url


def test_a_wrong_password_shows_the_form_again_with_a_message(
        hub: RunningHub, people: Accounts, tab: Tab) -> None:
    tab.sign_in("root", "not my password")
    assert "/signin" in tab.page.url
    assert tab.page.inner_text("#signin-message") == "Sai tên đăng nhập hoặc mật khẩu."
    assert tab.page.input_value("#name") == "root"
    tab.goto("/signin?lang=en")
    tab.page.fill("#name", "root")
    tab.page.fill("#password", "still wrong")
    with tab.page.expect_navigation():
        tab.page.click("#signin-form button[type=submit]")
    assert tab.page.inner_text("#signin-message") == "Wrong user name or password."


def test_a_form_without_its_csrf_token_is_refused(
        hub: RunningHub, people: Accounts, tab: Tab) -> None:
    tab.goto("/signin")
    tab.page.evaluate("document.querySelector('input[name=csrf]').remove()")
    tab.page.fill("#name", "root")
    tab.page.fill("#password", PASSWORD)
    with tab.page.expect_navigation() as navigation:
        tab.page.click("#signin-form button[type=submit]")
    assert navigation.value.status == 403
    assert "Biểu mẫu đã hết hạn" in tab.page.inner_text("#signin-message")
    assert not any(c["name"] == "hailong_session" for c in tab.context.cookies())

    tab.sign_in("root", PASSWORD)  # the form shown again carries a token: it works
    tab.page.evaluate("document.querySelector('form.signout input[name=csrf]').remove()")
    with tab.page.expect_navigation() as navigation:
        tab.page.click("form.signout button")
    assert navigation.value.status == 403
    assert tab.goto("/").status == 200  # still signed in


def test_a_head_cannot_open_another_office_page_or_api_and_tokens_carry_the_same_rights(
        broker: Broker, hub: RunningHub, people: Accounts, tab: Tab) -> None:
    publish(broker.url, "ubnd-a")
    publish(broker.url, "ubnd-b")
    wait_until(lambda: hub.hub.ingestor.counters.stored == 2, message="the ratings stored")
    tab.sign_in("lan", PASSWORD)
    assert [r.get_attribute("data-office") for r in tab.page.query_selector_all("#offices tbody tr")
            ] == ["ubnd-a"]
    denied = tab.goto("/offices/ubnd-b")
    assert denied.status == 403
    assert "Tài khoản này không có quyền xem cơ quan này." in tab.page.inner_text("main")
    assert tab.page.request.get(hub.url + "/api/v1/offices/ubnd-b/scores").status == 403
    assert tab.page.request.get(hub.url + "/api/v1/offices/ubnd-a/scores").status == 200

    token = people.create_token("lan-export", "head", ["ubnd-a"])
    bearer = {"Authorization": f"Bearer {token}"}
    api = tab.context.request
    assert api.get(hub.url + "/api/v1/offices/ubnd-a/scores", headers=bearer).status == 200
    assert api.get(hub.url + "/api/v1/offices/ubnd-b/scores", headers=bearer).status == 403
    assert api.get(hub.url + "/api/v1/offices/ubnd-a/scores",
                   headers={"Authorization": "Bearer hlt_not-a-token"}).status == 401


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


def test_a_rating_published_on_the_broker_appears_on_the_open_live_page(
        broker: Broker, hub: RunningHub, people: Accounts, tab: Tab) -> None:
    tab.sign_in("lan", PASSWORD, "/signin?next=/offices/ubnd-a")
    assert tab.page.url.endswith("/offices/ubnd-a")
    wait_live(tab)
    assert responses_shown(tab) == 0
    tab.page.evaluate("window.notReloaded = true")
    for expected, overall in ((1, 5), (2, 2)):
        publish(broker.url, "ubnd-a", overall)
        expect_responses(tab, expected)
    assert tab.page.evaluate("window.notReloaded") is True
    assert tab.page.inner_text("#satisfied-today") == "50%"
    assert "n = 2" in tab.page.inner_text("#tile-satisfied")
    assert "chưa đủ số lượt đánh giá" in tab.page.inner_text("#tile-satisfied")
    assert tab.page.query_selector("tr[data-question=overall]") is not None


def test_the_live_page_reconnects_by_itself_after_the_hub_restarts(
        tmp_path: Path, broker: Broker, chromium: Any) -> None:
    settings = hub_settings(tmp_path / "hub", broker.url, client_id="hailong-hub-restart")
    running = RunningHub(settings)
    Accounts(running.hub.store.engine).add_user("root", "admin", [], PASSWORD)
    publish(broker.url, "ubnd-a")
    wait_until(lambda: running.hub.ingestor.counters.stored == 1, message="the first rating")
    tab = Tab(chromium, running.url)
    try:
        tab.sign_in("root", PASSWORD, "/signin?next=/offices/ubnd-a")
        wait_live(tab)
        tab.page.evaluate("window.notReloaded = true")
        running.stop()
        wait_state(tab, "lost")
        assert "Mất kết nối" in tab.page.inner_text("#live-status")
        publish(broker.url, "ubnd-a")  # queued by the broker for the hub's session
        running = RunningHub(settings)
        wait_live(tab)
        expect_responses(tab, 2)
        publish(broker.url, "ubnd-a")
        expect_responses(tab, 3)
        assert tab.page.evaluate("window.notReloaded") is True
    finally:
        tab.close()
        running.stop()


def test_the_office_page_prints_on_a4_without_its_controls(
        broker: Broker, hub: RunningHub, people: Accounts, tab: Tab) -> None:
    publish(broker.url, "ubnd-a")
    wait_until(lambda: hub.hub.ingestor.counters.stored == 1, message="the rating stored")
    tab.sign_in("root", PASSWORD, "/signin?next=/offices/ubnd-a")
    assert tab.page.is_visible("header.top") and tab.page.is_visible("#live-status")
    tab.page.emulate_media(media="print")
    assert not tab.page.is_visible("header.top") and not tab.page.is_visible("#live-status")
    assert tab.page.is_visible("#satisfied-today") and tab.page.is_visible("svg.chart")
    pdf = tab.page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000


def test_a_kiosk_status_and_an_alert_reach_the_open_live_page_without_a_reload(
        broker: Broker, hub: RunningHub, people: Accounts, tab: Tab) -> None:
    publish(broker.url, "ubnd-a")
    wait_until(lambda: hub.hub.ingestor.counters.stored == 1, message="the rating stored")
    tab.sign_in("lan", PASSWORD, "/signin?next=/offices/ubnd-a")
    wait_live(tab)
    tab.page.evaluate("window.notReloaded = true")
    assert tab.page.query_selector("li.kiosk-online") is None
    raw = RawClient(broker.url)
    raw.publish(kiosk_topic("ubnd-a", "k01", "status"),
                contract.encode(status(outbox=7, at=datetime.now(UTC))), retain=True)
    wait_until(lambda: tab.page.query_selector("li.kiosk-online b.outbox") is not None
               and tab.page.inner_text("li.kiosk-online b.outbox") == "7", interval=0.02,
               message="the kiosk's status on the page")
    assert tab.page.query_selector("li.alert") is None
    for seq in range(2, 6):  # four low answers at counter 1 within minutes: an alert
        raw.publish(kiosk_topic("ubnd-a", "k01", "response"),
                    contract.encode(response(office="ubnd-a", overall=1, seq=seq)))
    raw.close()
    wait_until(lambda: tab.page.query_selector("li.alert") is not None, message="the alert")
    assert "Quầy 1" in tab.page.inner_text("#alerts")
    alert = tab.page.get_attribute("li.alert", "data-alert")
    closed = tab.context.request.post(f"{hub.url}/api/v1/offices/ubnd-a/alerts/{alert}/close",
                                      headers=hub.auth, data={"note": "đã xử lý"})
    assert closed.status == 200
    wait_until(lambda: tab.page.query_selector("li.alert") is None, message="the alert gone")
    assert tab.page.evaluate("window.notReloaded") is True


def test_the_printed_report_is_a_pdf_with_the_title_period_and_totals(
        broker: Broker, hub: RunningHub, people: Accounts, tab: Tab) -> None:
    from pypdf import PdfReader

    for overall in (5, 4, 2):
        publish(broker.url, "ubnd-a", overall)
    wait_until(lambda: hub.hub.ingestor.counters.stored == 3, message="the ratings stored")
    _, scores = hub.get("/api/v1/offices/ubnd-a/scores")
    tab.sign_in("lan", PASSWORD, "/signin?next=/offices/ubnd-a/report")
    assert tab.page.is_visible("button.print")
    tab.page.emulate_media(media="print")
    assert not tab.page.is_visible("button.print") and not tab.page.is_visible("header.top")
    pdf = tab.page.pdf(format="A4", print_background=True)
    reader = PdfReader(io.BytesIO(pdf))
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
    assert "Báo cáo kết quả đánh giá mức độ hài lòng" in text
    first = date.fromisoformat(scores["from"]) - timedelta(days=29)
    assert f"từ {first:%d/%m/%Y} đến {date.fromisoformat(scores['to']):%d/%m/%Y}" in text
    assert f"Tổng số lượt đánh giá {scores['responses']}" in text
    assert "Tỷ lệ hài lòng (câu hỏi chung) 66,7%" in text
    assert "chưa đủ số lượt đánh giá" in text and "Dấu hiệu cần lưu ý về độ tin cậy" in text
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert abs(width - 595.3) < 1 and abs(height - 841.9) < 1.5  # A4 in points


def test_the_province_table_sorts_by_a_column_on_click(
        broker: Broker, hub: RunningHub, people: Accounts, tab: Tab) -> None:
    tab.sign_in("root", PASSWORD)
    hub.hub.store.apply_roster(Roster.model_validate({"offices": [
        {"id": f"ubnd-{c}", "name": f"UBND {c}", "province": "dak-nong"} for c in "abc"]}))
    raw = RawClient(broker.url)
    seq = 0
    for office, (good, low) in {"ubnd-a": (20, 15), "ubnd-b": (33, 3), "ubnd-c": (30, 8)}.items():
        for index in range(good + low):
            seq += 1
            raw.publish(kiosk_topic(office, "k01", "response"), contract.encode(
                response(office=office, overall=5 if index < good else 1, seq=seq)))
    raw.close()
    wait_until(lambda: hub.hub.ingestor.counters.stored == seq, message="ratings stored")
    tab.goto("/provinces/dak-nong")

    def order() -> list[str]:
        return [str(r.get_attribute("data-office"))
                for r in tab.page.query_selector_all("#ranking tbody tr")]

    assert order() == ["ubnd-b", "ubnd-c", "ubnd-a"]  # ranked by satisfied share
    tab.page.click("#ranking button[data-sort=n]")
    assert order() == ["ubnd-c", "ubnd-b", "ubnd-a"]  # n: 38, 36, 35
    tab.page.click("#ranking button[data-sort=name]")
    assert order() == ["ubnd-c", "ubnd-b", "ubnd-a"]  # descending first
    tab.page.click("#ranking button[data-sort=name]")
    assert order() == ["ubnd-a", "ubnd-b", "ubnd-c"]


def test_sign_in_attempts_are_rate_limited(tmp_path: Path, broker: Broker, chromium: Any) -> None:
    settings = hub_settings(tmp_path / "hub", broker.url, web="signin_max_failures = 2")
    running = RunningHub(settings)
    tab = Tab(chromium, running.url)
    try:
        Accounts(running.hub.store.engine).add_user("root", "admin", [], PASSWORD)
        for _ in range(2):
            tab.sign_in("root", "wrong password")
        tab.sign_in("root", PASSWORD)
        assert "/signin" in tab.page.url
        assert "Đăng nhập sai quá nhiều lần" in tab.page.inner_text("#signin-message")
        assert not any(c["name"] == "hailong_session" for c in tab.context.cookies())
    finally:
        tab.close()
        running.stop()


def test_screenshots_of_every_page_at_office_pc_and_phone_size(tmp_path: Path,
                                                              chromium: Any) -> None:
    from tools.dashboard_screenshots import capture

    shots = capture(tmp_path / "shots", readme=tmp_path / "readme" / "dashboard.png",
                    per_day=(1, 4), browser=chromium, audit=True)
    print(f"screenshots in {tmp_path / 'shots'}")
    assert {(s.page, s.size) for s in shots} >= {
        (page, size) for page in ("signin", "home", "office", "office-en", "period", "report",
                                  "channels", "provinces", "province", "province-report",
                                  "fleet", "rejected", "surveys")
        for size in ("desktop", "phone")}
    # axe-core clean (nothing serious or critical), no page wider than a 360 px phone, no
    # table scrolling sideways on it, no ISO time: every finding listed at once
    problems = [f"{s.page} at {s.size}: {p}" for s in shots for p in s.problems]
    assert problems == [], "\n".join(problems)
    for shot in shots:
        assert shot.foreign == (), shot
        assert shot.overflow <= 0, f"{shot.page} is {shot.overflow} px too wide at {shot.size}"
        width, height = Image.open(shot.path).size
        expected = DESKTOP["width"] if shot.size == "desktop" else PHONE["width"] * 2
        assert width == expected and height >= 500, shot
    readme = Image.open(tmp_path / "readme" / "dashboard.png")
    assert readme.size == (DESKTOP["width"], DESKTOP["height"])


def test_a_new_user_runs_the_demo_signs_in_with_the_printed_password_and_watches_ratings_arrive(
        tmp_path: Path, chromium: Any) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAILONG_")}
    env.update({"HAILONG_HTTP_PORT": str(port), "HAILONG_DATA_DIR": str(tmp_path),
                "HAILONG_DEMO_INTERVAL": "0.5"})
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    demo = subprocess.Popen([sys.executable, "-m", "hailong", "demo"], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            preexec_fn=like_a_terminal)
    lines = OutputLines(demo)
    tab = Tab(chromium, f"http://127.0.0.1:{port}")
    try:
        password = wait_until(lambda: lines.match(r"sign in as admin with the password (\S+)"),
                              message="the printed password")
        assert port_open(port)
        tab.sign_in("admin", password)
        tab.page.click("a[href='/offices/demo']")
        wait_live(tab)
        tab.page.evaluate("window.notReloaded = true")
        seen = responses_shown(tab)
        wait_until(lambda: responses_shown(tab) > seen, message="a new rating on the page")
        assert tab.page.evaluate("window.notReloaded") is True
        assert "n = " in tab.page.inner_text("#tile-satisfied")
        assert "khoảng tin cậy 95%" in tab.page.inner_text("#tile-satisfied")
    finally:
        tab.close()
        code = interrupt(demo, lines)
    output = lines.text()
    assert code == 0, output
    assert "Traceback" not in output, output
    assert output.count(password) == 1  # printed once
