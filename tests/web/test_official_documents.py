"""The office's report as an official document (NĐ 30/2020/NĐ-CP): the DOCX read back with
python-docx and the PDF with pypdf hold the Quốc hiệu, the four parts and the API's figures; a
month's report fits 3 A4 pages; a head never gets another office's document nor the integrity
figures. A real hub (real Mosquitto, real SQLite, uvicorn on loopback), real HTTP."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from hailong.broker import Broker
from hub.admin.accounts import Accounts
from hub.documents.model import MOTTO, NATIONAL_TITLE
from hub.i18n import Texts
from tests.support import (
    PASSWORD,
    RunningHub,
    hub_settings,
    mosquitto_available,
    require,
    sign_in,
    write_toml,
)
from tests.support.hubdata import accepted, response

ROSTER = """
[[offices]]
id = "ubnd-a"
name = "Bộ phận Một cửa UBND phường A"
province = "dak-nong"

[[offices]]
id = "ubnd-b"
name = "Bộ phận Một cửa UBND xã B"
province = "dak-nong"
"""
REPORT = """body = "Sở Nội vụ"
superior = "UBND tỉnh Đắk Nông"
symbol = "SNV"
place = "Đắk Nông"
signer_title = "KT. Giám đốc / Phó Giám đốc"
signer_name = "Trần Văn Bình"
"""
NOVEMBER = "from=2026-11-01&to=2026-11-30"
VI = Texts("vi")


def november(office: str, count: int, seed: int = 0) -> list[Any]:
    """``count`` sipas@3 ratings spread over November (days 29 and 30 and some others none);
    the feedback factor is the lowest, one in ten meets harassment."""
    items = []
    for i in range(count):
        day = date(2026, 11, 1 + (i * 3 + seed) % 28)
        answers: dict[str, Any] = {
            "overall": 2 if i % 4 == 0 else 5, "access": 3 if i % 3 == 0 else 4,
            "procedure": 2 if i % 5 == 0 else 5, "officer": 4, "result": 3 if i % 2 else 5,
            "feedback": 4 if i % 3 == 0 else 2}
        at = datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC) + timedelta(minutes=i)
        told = {"integrity-harassment": "yes" if i % 10 == 0 else "no"}
        items.append(replace(accepted(response(
            office=office, seq=i + 1, questionnaire="sipas@3", counter=str(1 + i % 2),
            officer="cb-1", answers=answers, at=at), day=day), integrity=told))
    return items


def today(office: str, count: int) -> list[Any]:
    """Ratings of this morning at counters 1 and 2 (the live page's counter table)."""
    at = datetime.now(UTC) - timedelta(minutes=30)
    return [accepted(response(office=office, seq=1000 + i, counter=str(1 + i % 2),
                              answers={"overall": 5 - i % 3}, at=at + timedelta(seconds=i)),
                     day=at.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date())
            for i in range(count)]


@dataclass
class Site:
    hub: RunningHub
    clients: dict[str, httpx.Client]

    def api(self, path: str) -> Any:
        status, body = self.hub.get(path)
        assert status == 200, body
        return body


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    require("Mosquitto", mosquitto_available(), "sudo apt-get install -y mosquitto")
    tmp = tmp_path_factory.mktemp("documents")
    broker = Broker(tmp / "broker").start()
    roster = write_toml(tmp / "roster.toml", ROSTER)
    running = RunningHub(hub_settings(tmp / "hub", broker.url, roster=str(roster),
                                      client_id="hailong-hub-documents", report=REPORT))
    clients: dict[str, httpx.Client] = {}
    try:
        running.hub.store.write_batch(november("ubnd-a", 71) + november("ubnd-b", 12, 1)
                                      + today("ubnd-a", 6), [])
        accounts = Accounts(running.hub.store.engine)
        accounts.add_user("root", "admin", [], PASSWORD)
        accounts.add_user("lan", "head", ["ubnd-a"], PASSWORD)
        accounts.add_user("ana", "viewer", [], PASSWORD, ["dak-nong"])
        for user in ("root", "lan", "ana"):
            clients[user] = httpx.Client(base_url=running.url, timeout=60)
            sign_in(clients[user], user, PASSWORD)
        yield Site(running, clients)
    finally:
        for client in clients.values():
            client.close()
        running.stop()
        broker.stop()


def download(site: Site, user: str, path: str) -> bytes:
    reply = site.clients[user].get(path)
    assert reply.status_code == 200, reply.text[:300]
    return reply.content


def docx_text(content: bytes) -> str:
    """Every paragraph of the DOCX, tables' cells included, as python-docx reads it."""
    from docx import Document

    doc = Document(io.BytesIO(content))
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            lines.append(" | ".join(dict.fromkeys(c.text for c in row.cells)))
    return "\n".join(lines)


def pdf_text(content: bytes) -> tuple[str, int]:
    """The PDF's text, its whitespace folded, and its number of pages."""
    pages = page_texts(content)
    return " ".join(pages), len(pages)


def page_texts(content: bytes) -> list[str]:
    from pypdf import PdfReader

    return [re.sub(r"\s+", " ", page.extract_text()) for page in PdfReader(io.BytesIO(content)).pages]


def pdf_fonts(content: bytes) -> set[str]:
    """The fonts a PDF embeds, without fpdf2's subset prefix ("ABCDEF+")."""
    from pypdf import PdfReader

    names = set()
    for page in PdfReader(io.BytesIO(content)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).lstrip("/").split("+")[-1])
    return names


def unit_figures(site: Site, office: str) -> list[str]:
    """The API's figures of one office for November, as the documents write them."""
    index = site.api(f"/api/v1/offices/{office}/index?{NOVEMBER}")
    scores = site.api(f"/api/v1/offices/{office}/scores?{NOVEMBER}")
    value, low, high = index["index"]["value"], *index["index"]["ci95"]
    overall = scores["questions"]["overall"]
    lowest = min(index["factors"].values(), key=lambda f: f["satisfied"])
    return [f"{VI.percent(value, 1)} (n = {index['index']['n']}; khoảng tin cậy 95%: "
            f"{VI.percent(low, 1)}–{VI.percent(high, 1)})",
            f"{VI.percent(overall['satisfied'], 1)} (n = {overall['n']};",
            f"{VI.percent(lowest['satisfied'], 1)} (n = {lowest['n']};",
            f"Tổng số lượt đánh giá | {scores['responses']}"]


def test_the_docx_is_an_official_report_with_the_api_figures(site: Site) -> None:
    from docx import Document

    content = download(site, "root", f"/offices/ubnd-a/report.docx?{NOVEMBER}")
    doc = Document(io.BytesIO(content))
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    top, bottom, left, right = (round(m.mm, 1) for m in (
        section.top_margin, section.bottom_margin, section.left_margin, section.right_margin))
    assert 20 <= top <= 25 and 20 <= bottom <= 25 and 30 <= left <= 35 and 15 <= right <= 20
    normal = doc.styles["Normal"].font
    assert normal.name == "Times New Roman" and 13 <= normal.size.pt <= 14
    # NĐ 30: the page number at the top centre as a PAGE field, none on the first page
    assert section.different_first_page_header_footer
    number = section.header.paragraphs[0]
    assert number.alignment == 1 and number._p.xpath("./w:fldSimple[@w:instr='PAGE']")
    assert not "".join(p.text for p in section.first_page_header.paragraphs).strip()
    text = docx_text(content)
    header = doc.tables[0].rows[0].cells
    assert [line for line in header[0].text.split("\n") if line] == [
        "UBND TỈNH ĐẮK NÔNG", "SỞ NỘI VỤ", "Số: …/BC-SNV"]
    right = header[1].paragraphs
    assert [p.text for p in right] == [NATIONAL_TITLE, MOTTO, "Đắk Nông, ngày … tháng … năm …"]
    assert all(run.underline and run.bold for run in right[1].runs)
    for words in ("BÁO CÁO", "Kết quả đánh giá mức độ hài lòng của người dân, tổ chức đối với "
                  "sự phục vụ của Bộ phận Một cửa UBND phường A từ ngày 01/11/2026 đến ngày "
                  "30/11/2026", "1. Kết quả", "2. Hạn chế", "3. Nguyên nhân", "4. Giải pháp",
                  "Nơi nhận:", "- Như trên;", "- Lưu: VT.", "KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC",
                  "Trần Văn Bình", "Kênh đánh giá | Máy đánh giá", "PHỤ LỤC"):
        assert words in text, words
    for figure in unit_figures(site, "ubnd-a"):
        assert figure in text, figure
    headings = [p for p in doc.paragraphs if re.match(r"\d\. ", p.text)]
    assert len(headings) == 4 and all(p.paragraph_format.keep_with_next for p in headings)
    # the parts after the results are left for people's words: dotted lines
    texts = [p.text for p in doc.paragraphs]
    assert set(texts[texts.index("2. Hạn chế") + 1]) == {"."}
    # long tables repeat their header row on each page
    appendix = [t for t in doc.tables if t.rows[0].cells[0].text == "Ngày"]
    assert appendix and appendix[0].rows[0]._tr.trPr.xpath("./w:tblHeader")
    assert len(appendix[0].rows) == 31  # a row per day of November, the empty ones said so
    assert "chưa có lượt đánh giá" in " ".join(c.text for c in appendix[0].rows[30].cells)
    assert len(doc.inline_shapes) == 1  # the trend chart


def test_the_pdf_says_the_same_in_three_pages_at_most(site: Site) -> None:
    content = download(site, "ana", f"/offices/ubnd-a/report.pdf?{NOVEMBER}")
    text, pages = pdf_text(content)
    assert pages <= 3
    for words in (NATIONAL_TITLE, MOTTO, "SỞ NỘI VỤ", "Số: …/BC-SNV", "1. Kết quả",
                  "2. Hạn chế", "3. Nguyên nhân", "4. Giải pháp", "Nơi nhận:", "PHÓ GIÁM ĐỐC",
                  "Trần Văn Bình", "chưa có lượt đánh giá"):
        assert words in text, words
    # NĐ 30: the number at the top of every page but the first
    numbered = [words.split(" ", 1)[0] for words in page_texts(content)]
    assert numbered[0] != "1" and numbered[1:] == [str(n) for n in range(2, pages + 1)], numbered
    assert pdf_fonts(content) == {"LiberationSerif", "LiberationSerifBold"}
    for figure in unit_figures(site, "ubnd-a"):
        assert figure.replace(" | ", " ") in text, figure
    assert "Yếu tố có tỷ lệ hài lòng thấp nhất là" in text


def test_a_head_gets_its_office_without_integrity_figures_and_never_another(site: Site) -> None:
    viewer = docx_text(download(site, "ana", f"/offices/ubnd-a/report.docx?{NOVEMBER}"))
    head = docx_text(download(site, "lan", f"/offices/ubnd-a/report.docx?{NOVEMBER}"))
    integrity = "Câu hỏi về liêm chính"
    assert integrity in viewer and integrity not in head
    assert "Tỷ lệ trả lời “có”" in viewer and "Tỷ lệ trả lời “có”" not in head
    head_pdf, _ = pdf_text(download(site, "lan", f"/offices/ubnd-a/report.pdf?{NOVEMBER}"))
    assert "Tỷ lệ trả lời “có”" not in head_pdf
    for suffix in ("docx", "pdf"):
        assert site.clients["lan"].get(f"/offices/ubnd-b/report.{suffix}").status_code == 403


def province_figures(site: Site) -> list[str]:
    """The API's province report figures as the documents write them: each unit's index (the
    ranked one with its rank) and the province's own."""
    report = site.api(f"/api/v1/provinces/dak-nong/report?{NOVEMBER}")
    said = []
    for unit in report["ranked"]:
        index = unit["figures"]["index"]
        said.append(f"{unit['rank']} | {unit['name']} | {index['n']} | "
                    f"{VI.percent(index['value'], 1)} | {VI.percent(index['low'], 1)}–"
                    f"{VI.percent(index['high'], 1)}")
    for unit in report["too_few"]:
        index = unit["figures"]["index"]
        said.append(f"— | {unit['name']} | {index['n']} | {VI.percent(index['value'], 1)}")
    whole = report["province_figures"]["index"]
    said.append(f"{VI.percent(whole['value'], 1)} (n = {whole['n']}; khoảng tin cậy 95%: "
                f"{VI.percent(whole['low'], 1)}–{VI.percent(whole['high'], 1)})")
    return said


def test_the_province_report_as_docx_and_pdf_holds_the_api_figures(site: Site) -> None:
    figures = province_figures(site)
    assert len(figures) == 3  # ubnd-a ranked, ubnd-b (12 ratings) apart, the province
    docx = docx_text(download(site, "ana", f"/provinces/dak-nong/report.docx?{NOVEMBER}"))
    pdf, pages = pdf_text(download(site, "ana", f"/provinces/dak-nong/report.pdf?{NOVEMBER}"))
    for text in (docx, pdf):
        for words in (NATIONAL_TITLE, MOTTO, "SỞ NỘI VỤ", "1. Kết quả", "4. Giải pháp",
                      "Nơi nhận:", "1 cơ quan có dưới 30 lượt đánh giá"):
            assert words in text, words
    for figure in figures:
        assert figure in docx, figure
        assert figure.replace(" | ", " ") in pdf, figure
    assert pages <= 3
    for suffix in ("docx", "pdf"):
        assert site.clients["lan"].get(f"/provinces/dak-nong/report.{suffix}").status_code == 403


# -- in a real headless Chromium ---------------------------------------------------------------
@pytest.fixture
def browser_for(chromium: Any, site: Site) -> Iterator[Any]:
    """A function giving a signed-in browser page for a user; its contexts closed after."""
    contexts: list[Any] = []

    def signed_in(user: str) -> Any:
        context = chromium.new_context(viewport={"width": 1366, "height": 768},
                                       accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.goto(site.hub.url + "/signin")
        page.fill("#name", user)
        page.fill("#password", PASSWORD)
        with page.expect_navigation():
            page.click("#signin-form button[type=submit]")
        return page

    yield signed_in
    for context in contexts:
        context.close()


def downloaded(page: Any, selector: str) -> bytes:
    with page.expect_download() as info:
        page.click(selector)
    path = info.value.path()
    with open(path, "rb") as file:
        return file.read()


def test_a_viewer_reads_ranking_and_reports_and_downloads_them_but_changes_nothing(
        site: Site, browser_for: Any) -> None:
    from openpyxl import load_workbook

    from hub.web.csrf import CSRF_HEADER

    page = browser_for("ana")
    page.goto(f"{site.hub.url}/provinces/dak-nong?{NOVEMBER}")
    assert "Bộ phận Một cửa UBND phường A" in page.inner_text("main")
    page.goto(f"{site.hub.url}/provinces/dak-nong/report?{NOVEMBER}")
    figures = province_figures(site)
    docx = docx_text(downloaded(page, "#download-docx"))
    pdf, _ = pdf_text(downloaded(page, "#download-pdf"))
    for figure in figures:
        assert figure in docx and figure.replace(" | ", " ") in pdf, figure
    book = load_workbook(io.BytesIO(downloaded(page, "#download-xlsx")))
    values = [c.value for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    report = site.api(f"/api/v1/provinces/dak-nong/report?{NOVEMBER}")
    for unit in (*report["ranked"], *report["too_few"]):
        assert unit["name"] in values
        assert unit["figures"]["index"]["value"] in values
    # the office's report, and its documents from the links on it
    page.goto(f"{site.hub.url}/offices/ubnd-a/report?{NOVEMBER}")
    office_docx = docx_text(downloaded(page, "#link-docx"))
    office_pdf, pages = pdf_text(downloaded(page, "#link-pdf"))
    for figure in unit_figures(site, "ubnd-a"):
        assert figure in office_docx and figure.replace(" | ", " ") in office_pdf, figure
    assert pages <= 3 and "Câu hỏi về liêm chính" in office_docx  # the province's to see
    # …and changes nothing, even with its session's CSRF token
    token = page.get_attribute("input[name=csrf]", "value")
    push = page.context.request.post(f"{site.hub.url}/api/v1/offices/ubnd-a/kiosks/k01/config",
                                     headers={CSRF_HEADER: token}, data={})
    survey = page.context.request.post(f"{site.hub.url}/api/v1/surveys",
                                       headers={CSRF_HEADER: token},
                                       multipart={"office": "ubnd-a", "channel": "phone"})
    assert (push.status, survey.status) == (403, 403)


def test_a_head_sees_neither_another_office_nor_its_own_integrity_figures(
        site: Site, browser_for: Any) -> None:
    page = browser_for("lan")
    other = page.goto(f"{site.hub.url}/offices/ubnd-b/report?{NOVEMBER}")
    assert other.status == 403
    assert page.context.request.get(f"{site.hub.url}/offices/ubnd-b/report.pdf").status == 403
    page.goto(f"{site.hub.url}/offices/ubnd-a/report?{NOVEMBER}")
    assert page.locator("#section-integrity table").count() == 0
    docx = docx_text(downloaded(page, "#link-docx"))
    pdf, _ = pdf_text(downloaded(page, "#link-pdf"))
    for text in (docx, pdf):
        assert "Câu hỏi về liêm chính" not in text and "sách nhiễu" not in text
        assert "Bộ phận Một cửa UBND xã B" not in text


# An A4 page's text width in CSS pixels: (210 mm - 2 x 12 mm margins) at 96 px per inch.
A4_TEXT_PX = 703


@pytest.mark.parametrize("path", ["/offices/ubnd-a/report?" + NOVEMBER, "/offices/ubnd-a"])
def test_the_printed_page_keeps_the_counter_tables_last_column(
        site: Site, browser_for: Any, path: str) -> None:
    """Chromium's own print to PDF (A4): the counter table fits the paper's width and its last
    column's header is in the PDF's text; a month's report in a few pages."""
    page = browser_for("root")
    page.set_viewport_size({"width": A4_TEXT_PX, "height": 1000})
    page.goto(site.hub.url + path)
    page.emulate_media(media="print")
    table = page.locator("#section-counters table, table#counters").first
    last = table.locator("thead th").last.inner_text().strip()
    widths = table.evaluate("(t) => [t.scrollWidth, t.parentElement.clientWidth]")
    assert widths[0] <= widths[1], widths
    printed = page.pdf(format="A4", print_background=True)
    text, pages = pdf_text(printed)
    assert last and last in text, last
    if "report" in path:
        # the report's body (figures box, chart, aspects) in 3 pages, the appendix after it
        body = page_texts(printed)
        appendix = [i for i, words in enumerate(body) if "Phụ lục: các bảng chi tiết" in words]
        assert appendix and appendix[0] <= 3, (appendix, pages)
        assert "Kênh: Máy đánh giá" in body[0] and "Theo ngày" in body[0]
    else:
        assert pages <= 4
