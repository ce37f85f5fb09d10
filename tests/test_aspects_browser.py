"""The office page, the printed report, the XLSX file and the province page in a real headless
Chromium: survey channels beside the kiosk, the three aspects, like-with-like rankings, and
each office kind's own wording."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest

from hailong import contract
from hailong.topics import kiosk_topic
from tests.hubdata import response
from tests.support import RawClient, RunningHub, wait_until
from tests.test_aspects import seed_aspects
from tests.test_dashboard_browser import PASSWORD, Tab
from tests.test_surveys_api import EXAMPLE, NOVEMBER, call
from tests.test_surveys_browser import survey_hub, upload  # noqa: F401

# Vietnamese pages speak Vietnamese only (issue 15, item 5)
HEADINGS = ("Nhận định, đánh giá", "Mức độ hài lòng", "Nhu cầu, mong đợi")


@pytest.fixture
def tab(chromium: Any, survey_hub: RunningHub) -> Iterator[Tab]:  # noqa: F811
    opened = Tab(chromium, survey_hub.url)
    yield opened
    opened.close()


def publish(hub: RunningHub, office: str, answers: dict[str, Any], questionnaire: str,
            seq: int) -> None:
    raw = RawClient(hub.settings.mqtt.url)
    raw.publish(kiosk_topic(office, "k01", "response"), contract.encode(response(
        office=office, seq=seq, answers=answers, questionnaire=questionnaire,
        at=datetime.now(UTC))))
    raw.close()


def test_the_office_page_shows_the_phone_survey_beside_the_kiosk_and_stays_live(
        survey_hub: RunningHub, tab: Tab) -> None:  # noqa: F811
    seed_aspects(survey_hub)
    tab.sign_in("root", PASSWORD, "/signin?next=/offices/demo&lang=en")
    # no survey yet: one line, and the way to the channels page
    assert tab.page.inner_text("#channels-none").startswith("No survey results from ")
    assert tab.page.locator("#channels").count() == 0
    assert tab.page.get_attribute("#link-channels", "href") == "/offices/demo/channels"

    tab.goto("/surveys")
    upload(tab, EXAMPLE, "phone")
    tab.goto("/offices/demo")
    overall = tab.page.locator("#channels-questions tr[data-key=overall]")
    assert overall.get_attribute("class") == "marked"
    assert overall.locator("td[data-channel=kiosk] .share").inner_text() == "80 %"
    phone = overall.locator("td[data-channel=phone]")
    assert "differs" in (phone.get_attribute("class") or "")
    assert phone.locator(".detail").inner_text().startswith("n 80 · ")
    assert overall.locator(".differs-note").inner_text() == (
        "Difference: kiosk 80 % (n 50) vs phone survey 30 % (n 80)")
    # one question per factor (SIPAS): the same rows by factor are not shown a second time
    assert tab.page.locator("#channels-factors").count() == 0
    assert tab.page.locator("#channels-once").count() == 1
    # the range is said on the page: it reaches back to the survey's first day
    assert "From 2026-11-02 to " in tab.page.inner_text("#channels-range")

    # A new kiosk rating: the live part is fetched again, the channels stay where they are.
    wait_until(lambda: tab.live_state() == "live", interval=0.05, message="the event stream open")
    tab.page.evaluate("window.notReloaded = true")
    publish(survey_hub, "demo", {"overall": 5}, "sipas@2", 1000)
    wait_until(lambda: tab.page.locator("#live tr[data-question=overall] td.num").first
               .inner_text() == "1", interval=0.05, message="today's rating on the page")
    assert tab.page.evaluate("window.notReloaded") is True
    assert tab.page.locator("#channels-questions tr[data-key=overall].marked").count() == 1


def report_text(tab: Tab) -> str:
    from pypdf import PdfReader

    tab.page.emulate_media(media="print")
    reader = PdfReader(io.BytesIO(tab.page.pdf(format="A4", print_background=True)))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def between(text: str, start: str, end: str) -> str:
    return text[text.index(start):text.index(end, text.index(start))]


def vi_number(value: float, places: int) -> str:
    return f"{value:,.{places}f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def test_the_report_groups_its_content_by_the_three_aspects_with_the_apis_numbers(
        survey_hub: RunningHub, tab: Tab) -> None:  # noqa: F811
    seed_aspects(survey_hub)
    assert call(survey_hub, "POST", "/api/v1/surveys?name=example-phone.csv",
                EXAMPLE.read_bytes())[0] == 201
    _, aspects = call(survey_hub, "GET", f"/api/v1/offices/demo/aspects?{NOVEMBER}")
    # an admin: the sensitive reasons are withheld from the head of the office (below)
    tab.sign_in("root", PASSWORD, "/signin?" + urlencode({"next": f"/offices/demo/report?{NOVEMBER}"}))
    assert tab.page.inner_text("#report-period") == "Kỳ báo cáo: từ 01/11/2026 đến 30/11/2026"
    assert [tab.page.inner_text(f"#aspect-{a}-title") for a in
            ("perceptions", "satisfaction", "needs")] == list(HEADINGS)
    # the channels sit under satisfaction, marked, in the report's range
    marked = tab.page.locator("#aspect-satisfaction #channels-questions tr[data-key=overall]")
    assert marked.get_attribute("class") == "marked"
    text = report_text(tab)
    positions = [text.index(heading) for heading in HEADINGS]
    assert positions == sorted(positions), "perceptions, satisfaction, needs in this order"
    perceived = between(text, "Lý do nhạy cảm trên 100 lượt đánh giá", HEADINGS[1])
    for entry in aspects["perceptions"]["reasons"]:
        assert f"{entry['text']['vi']} {entry['count']} 50 " \
               f"{vi_number(entry['per_100'], 2)}" in perceived
    assert "Mẫu số: 50 lượt trả lời câu hỏi tổng thể" in perceived
    needs = between(text, HEADINGS[2], "Dấu hiệu cần lưu ý về độ tin cậy")
    for entry in aspects["needs"]["choices"]:
        assert f"{entry['count']} 20 {vi_number(entry['share'] * 100, 1)}%" in needs
    assert "Mỗi người chọn tối đa 2 điều" in needs
    satisfied = between(text, HEADINGS[1], HEADINGS[2])
    assert re.search(r"Khác biệt: \S.* 80% \(n 50\) so với .* 30% \(n 80\)", satisfied)

    # The XLSX in long format: a row per figure, the section and channel named, numbers equal
    # to the API's.
    from openpyxl import load_workbook

    reply = tab.context.request.get(f"{survey_hub.url}/offices/demo/report.xlsx?{NOVEMBER}")
    assert reply.status == 200
    book = load_workbook(io.BytesIO(reply.body()))
    table = list(book.worksheets[0].iter_rows(values_only=True))
    header = list(table[0])
    assert header[:6] == ["Đơn vị", "Từ ngày", "Đến ngày", "Kênh", "Mục", "Chỉ số"]

    def section(title: str) -> list[tuple[Any, ...]]:
        return [r for r in table[1:] if r[4] == title]

    # people read the reasons' wording and the channel's name; the ids are the CSV's
    assert [(r[5], r[6], r[7], r[3]) for r in section("Nhận định - lý do nhạy cảm")] \
        == [(e["text"]["vi"], e["per_100"], 50, "Máy đánh giá")
            for e in aspects["perceptions"]["reasons"]]
    assert [(r[5], r[6], r[7]) for r in section("Nhu cầu")] == [
        (e["text"]["vi"], e["share"], 20) for e in aspects["needs"]["choices"]]
    _, side = call(survey_hub, "GET", f"/api/v1/offices/demo/channels?{NOVEMBER}")
    overall = next(q for q in side["questions"] if q["key"] == "overall")
    phone_row = next(r for r in section("Các kênh")
                     if r[3] == "khảo sát qua điện thoại"
                     and r[5].startswith("Câu hỏi — Nhìn chung"))
    assert phone_row[7] == overall["channels"]["phone"]["n"] == 80
    assert phone_row[10] == "khác biệt"
    assert {r[3] for r in section("Các kênh")} == {
        "Máy đánh giá", "khảo sát qua điện thoại"}

    # the period page groups the same sections under the same headings, channels included
    tab.goto(f"/offices/demo/period?{NOVEMBER}")
    assert [tab.page.inner_text(f"#aspect-{a}-title") for a in
            ("perceptions", "satisfaction", "needs")] == list(HEADINGS)
    assert tab.page.locator("#aspect-perceptions #section-perceptions").count() == 1
    assert tab.page.locator("#aspect-needs #section-needs").count() == 1
    assert tab.page.locator("#aspect-satisfaction #channels-questions tr.marked").count() == 2
    assert "Từ 01/11/2026 đến 30/11/2026" in tab.page.inner_text("#channels-range")

    csv = tab.context.request.get(
        f"{survey_hub.url}/offices/demo/report.csv?{NOVEMBER}&table=perceptions&lang=en")
    assert csv.status == 200 and "per_100" in csv.text().splitlines()[0]


def test_the_province_page_ranks_one_kind_at_a_time(
        survey_hub: RunningHub, tab: Tab) -> None:  # noqa: F811
    seed_aspects(survey_hub)
    tab.sign_in("root", PASSWORD, "/signin?next=/provinces/dak-nong&lang=en")
    # dak-nong mixes admin offices and a hospital: the page picks the first kind, never an error
    assert "/provinces/dak-nong" in tab.page.url
    kinds = tab.page.locator("#kinds a")
    assert kinds.all_inner_texts() == ["Administrative offices", "Hospitals"]
    assert tab.page.get_attribute("#kinds a[aria-current=page]", "data-kind") == "admin"

    def offices_listed() -> set[str]:
        cells = tab.page.locator("#ranking tr[data-office], #too-few li[data-office]")
        return {str(cells.nth(i).get_attribute("data-office")) for i in range(cells.count())}

    assert tab.page.get_attribute("#ranking", "data-kind") == "admin"
    assert offices_listed() == {"demo", "ubnd-b"}
    with tab.page.expect_navigation():
        tab.page.click("#kinds a[data-kind=hospital]")
    assert tab.page.get_attribute("#ranking", "data-kind") == "hospital"
    assert offices_listed() == {"bv-1"}
    # the sort links and the range form keep the kind
    assert "kind=hospital" in str(tab.page.get_attribute("a[href*='sort=lower']", "href"))
    assert tab.page.get_attribute("form.period-form input[name=kind]", "value") == "hospital"
    # a kind the province does not have: said, and one kind shown
    tab.goto("/provinces/dak-nong?kind=school")
    assert "no office of kind “school”" in tab.page.inner_text("#kind-notice")
    assert offices_listed() == {"demo", "ubnd-b"}
    # the API behind it refuses to mix
    status, error = call(survey_hub, "GET", "/api/v1/provinces/dak-nong/ranking")
    assert status == 400 and error["parameter"] == "kind"


def test_a_hospital_office_page_speaks_the_hospital_questionnaire(
        survey_hub: RunningHub, tab: Tab) -> None:  # noqa: F811
    publish(survey_hub, "bv-1", {"overall": 4, "reach": 5}, "hospital@1", 1)
    wait_until(lambda: survey_hub.hub.ingestor.counters.stored == 1, interval=0.05, message="stored")
    tab.sign_in("root", PASSWORD, "/signin?next=/offices/bv-1&lang=en")
    overall = tab.page.inner_text("#live tr[data-question=overall] .q-text")
    assert overall == "Overall, how satisfied are you with your care today?"
    reach = tab.page.inner_text("#live tr[data-question=reach] .q-heading")
    assert reach == "Factor 1: Access"
    tab.goto("/offices/bv-1/period?lang=en")
    assert "how satisfied are you with your care today" in tab.page.inner_text(
        "#section-items")
    assert "Access" in tab.page.inner_text("#section-factors")
