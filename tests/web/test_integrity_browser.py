"""Integrity figures in a real headless Chromium: the head of an office sees them withheld, with
who can see them, on the office page, the period page and the report; an admin and a viewer of
the office's province see numbers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest

from hailong import contract
from hailong.topics import kiosk_topic
from hub.admin.accounts import Accounts
from tests.support import PASSWORD, RawClient, RunningHub, wait_until
from tests.support.browser import (
    Tab,
)
from tests.support.hubdata import response
from tests.support.surveys import NOVEMBER, seed_aspects, seed_stages

WHO = "Chỉ quản trị viên (Sở Nội vụ, thanh tra) và người theo dõi cấp tỉnh xem được"


@pytest.fixture
def tab(chromium: Any, survey_site: RunningHub) -> Iterator[Tab]:
    opened = Tab(chromium, survey_site.url)
    yield opened
    opened.close()


def seed(hub: RunningHub) -> None:
    """November's sipas@2 chips and sipas@3 integrity answers, and today a low rating with the
    harassment chip (the office page shows today)."""
    seed_aspects(hub)
    seed_stages(hub)
    raw = RawClient(hub.settings.mqtt.url)
    raw.publish(kiosk_topic("demo", "k09", "response"), contract.encode(response(
        office="demo", kiosk="k09", seq=1, questionnaire="sipas@2", at=datetime.now(UTC),
        answers={"overall": 1, "reasons": ["harassment", "wait"]})))
    raw.close()
    wait_until(lambda: hub.hub.ingestor.counters.stored == 1, interval=0.05, message="today's rating")


def test_a_head_sees_the_integrity_figures_withheld_and_an_admin_sees_numbers(
        survey_site: RunningHub, tab: Tab) -> None:
    seed(survey_site)
    period = f"/offices/demo/period?{NOVEMBER}"
    tab.sign_in("lan", PASSWORD, "/signin?" + urlencode({"next": "/offices/demo"}))
    reasons = tab.page.inner_text("#reasons")
    assert "Phải chờ lâu" in reasons and "Gây phiền hà, sách nhiễu" not in reasons
    assert WHO in tab.page.inner_text("#reasons-withheld")

    tab.goto(period)
    integrity = tab.page.locator("#aspect-perceptions #section-integrity")
    assert integrity.locator("table").count() == 0
    assert WHO in integrity.inner_text()
    assert tab.page.locator("#section-perceptions table").count() == 0
    assert "Gây phiền hà, sách nhiễu" not in tab.page.inner_text("main")
    # the stages are the head's to see: counts only
    stages = tab.page.inner_text("#section-stages")
    assert "Hồ sơ được đánh giá ở cả hai thời điểm\t4" in stages
    tab.goto(f"/offices/demo/report?{NOVEMBER}")
    assert WHO in tab.page.inner_text("#section-integrity")
    csv = tab.context.request.get(f"{survey_site.url}/offices/demo/report.csv?{NOVEMBER}"
                                  "&table=integrity")
    assert csv.status == 200 and len(csv.text().strip().splitlines()) == 1  # the header only

    with tab.page.expect_navigation():
        tab.page.click("form.signout button[type=submit]")
    tab.sign_in("root", PASSWORD, "/signin?" + urlencode({"next": period}))
    integrity = tab.page.locator("#section-integrity")
    rows = integrity.locator("tbody tr")
    assert rows.count() == 2
    harassment = rows.filter(has_text="phiền hà")
    # 1 yes and 2 no of sipas@3; the 3 sipas@2 chips counted apart
    cells = {td.get_attribute("data-column"): td.inner_text()
             for td in harassment.locator("td").all()}
    assert (cells["yes"], cells["no"], cells["n"], cells["prevalence"], cells["chips"]) == (
        "1", "2", "3", "33,3%", "3")
    assert WHO in integrity.inner_text()
    assert "Gây phiền hà, sách nhiễu" in tab.page.inner_text("#section-perceptions")
    text = tab.page.inner_text("main")
    assert "integrity-" not in text and "T00:" not in text
    tab.goto("/offices/demo")
    assert "Gây phiền hà, sách nhiễu" in tab.page.inner_text("#reasons")
    assert tab.page.locator("#reasons-withheld").count() == 0

    # a viewer of the province (dak-nong) sees the numbers too, on the period page and today's
    Accounts(survey_site.hub.store.engine).add_user("ana", "viewer", [], PASSWORD, ["dak-nong"])
    with tab.page.expect_navigation():
        tab.page.click("form.signout button[type=submit]")
    tab.sign_in("ana", PASSWORD, "/signin?" + urlencode({"next": period}))
    assert tab.page.locator("#section-integrity tbody tr").count() == 2
    assert "Gây phiền hà, sách nhiễu" in tab.page.inner_text("#section-perceptions")
    tab.goto("/offices/demo")
    assert "Gây phiền hà, sách nhiễu" in tab.page.inner_text("#reasons")
    assert tab.page.locator("#reasons-withheld").count() == 0
