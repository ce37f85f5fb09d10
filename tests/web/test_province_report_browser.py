"""The province report in a real headless Chromium: a viewer of the province opens it at
1366×768 and 360×640, axe-core finds nothing serious, nothing is wider than the screen, the
ranking rows are the API's in the API's order, and choosing another figure re-ranks."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import httpx

from tests.support import PASSWORD, RunningHub
from tests.support.province import NOVEMBER
from tools.browser import DESKTOP, PHONE, page_problems


def signed_in_page(chromium: Any, hub: RunningHub, viewport: dict[str, int], path: str) -> Any:
    context = chromium.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(hub.url + "/signin?" + urlencode({"next": path}))
    page.fill("#name", "ana")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("#signin-form button[type=submit]")
    return page


def ranking_of(hub: RunningHub, order: str) -> list[str]:
    reply = httpx.get(f"{hub.url}/api/v1/provinces/dak-nong/report", headers=hub.auth,
                      params={**NOVEMBER, "order": order}, timeout=60)
    return [u["office"] for u in reply.json()["ranked"]]


def test_the_report_reads_well_on_a_desktop_and_a_phone(chromium: Any,
                                                         province_hub: RunningHub) -> None:
    path = "/provinces/dak-nong/report?" + urlencode({**NOVEMBER, "lang": "vi"})
    for viewport, phone in ((DESKTOP, False), (PHONE, True)):
        page = signed_in_page(chromium, province_hub, viewport, path)
        try:
            assert page.url == province_hub.url + path
            assert page.locator("h1").inner_text() == "Báo cáo tỉnh Đắk Nông"  # the roster's name, not the id
            assert page_problems(page, phone) == [], viewport
            rows = page.locator("#ranking tbody tr[data-office]")
            assert rows.evaluate_all("rows => rows.map(r => r.dataset.office)") == \
                ranking_of(province_hub, "index")
        finally:
            page.context.close()


def test_choosing_another_figure_re_ranks(chromium: Any, province_hub: RunningHub) -> None:
    path = "/provinces/dak-nong/report?" + urlencode(NOVEMBER)
    page = signed_in_page(chromium, province_hub, DESKTOP, path)
    try:
        page.select_option("select[name=order]", "1")
        with page.expect_navigation():
            page.click("form.period-form button[type=submit]")
        assert page.locator("#ranking").get_attribute("data-order") == "1"
        offices = page.locator("#ranking tbody tr[data-office]").evaluate_all(
            "rows => rows.map(r => r.dataset.office)")
        assert offices == ranking_of(province_hub, "1") == ["ubnd-b", "demo"]
        link = str(page.locator("#download-xlsx").get_attribute("href"))
        download = page.context.request.get(province_hub.url + link)
        assert download.status == 200 and download.body()[:2] == b"PK"
    finally:
        page.context.close()
