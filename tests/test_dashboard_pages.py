"""The dashboard's office, period, report and admin pages over real HTTP against a real hub.

One hub (real Mosquitto, real SQLite, ratings published on the broker) serves every test of the
module: the live page's tables, the period page, the CSV and XLSX files (their numbers must be
the API's), heads' limits, and 403 on every admin-only path for a head.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from hailong import contract
from hailong.broker import Broker
from hailong.topics import kiosk_topic
from hub.admin.accounts import Accounts
from hub.i18n import Texts
from hub.web.access import ADMIN_PATHS, PROVINCE_PATHS, admin_only
from tests.hubdata import response
from tests.support import RawClient, RunningHub, hub_settings, sign_in, wait_until, write_toml

PASSWORD = "mật khẩu đủ dài"
ROSTER = """
[[offices]]
id = "ubnd-a"
name = "UBND phường A"
province = "dak-nong"

[[offices]]
id = "ubnd-b"
name = "UBND phường B"
province = "dak-nong"

[[offices]]
id = "ubnd-x"
name = "UBND xã X"
province = "lam-dong"

[[counters]]
office = "ubnd-a"
label = "1"
name = "Quầy đất đai"

[[counters]]
office = "ubnd-a"
label = "2"
name = "Quầy hộ tịch"

[[officers]]
office = "ubnd-a"
code = "cb-01"
name = "Nguyễn Văn An"

[[officers]]
office = "ubnd-a"
code = "cb-02"
name = "Trần Thị Bình"

[[kiosks]]
office = "ubnd-a"
id = "k01"
counter = "1"
"""
# Counter 1 (officer cb-01): enough satisfied ratings to be read; counter 2 (cb-02): a few low
# ones with a reason, which also open an alert (4 answers, all low, within 15 minutes).
GOOD_RATINGS = 32
LOW_RATINGS = 4


@dataclass
class Site:
    hub: RunningHub
    broker: Broker

    @contextmanager
    def client(self, user: str) -> Iterator[httpx.Client]:
        """A browser-like client signed in as ``user``."""
        with httpx.Client(base_url=self.hub.url, timeout=30) as client:
            assert sign_in(client, user, PASSWORD).status_code == 200
            yield client


def status(kiosk: str, outbox: int = 0) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {"v": 1, "state": "online", "version": "0.1.0", "since": now.isoformat(),
            "now": now.isoformat(), "seq": GOOD_RATINGS + LOW_RATINGS, "outbox": outbox,
            "outbox_oldest": None, "scanner": "ok", "questionnaire": "sipas@1"}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    from tests.conftest import _mosquitto_available
    from tests.support import require

    require("Mosquitto", _mosquitto_available(), "sudo apt-get install -y mosquitto")
    tmp = tmp_path_factory.mktemp("pages")
    broker = Broker(tmp / "broker").start()
    roster = write_toml(tmp / "roster.toml", ROSTER)
    running = RunningHub(hub_settings(tmp / "hub", broker.url, roster=str(roster),
                                      client_id="hailong-hub-pages"))
    try:
        accounts = Accounts(running.hub.store.engine)
        accounts.add_user("root", "admin", [], PASSWORD)
        accounts.add_user("lan", "head", ["ubnd-a"], PASSWORD)
        accounts.add_user("ana", "viewer", [], PASSWORD, ["dak-nong"])
        accounts.add_user("tam", "viewer", [], PASSWORD, ["lam-dong"])
        raw = RawClient(broker.url)
        now = datetime.now(UTC) - timedelta(seconds=30)
        seq = 0
        for index in range(GOOD_RATINGS):
            seq += 1
            raw.publish(kiosk_topic("ubnd-a", "k01", "response"), contract.encode(response(
                "ubnd-a", "k01", seq, counter="1", officer="cb-01",
                answers={"overall": 5 if index % 8 else 3, "officer": 4},
                at=now - timedelta(minutes=20 + index))))
        for _ in range(LOW_RATINGS):
            seq += 1
            raw.publish(kiosk_topic("ubnd-a", "k01", "response"), contract.encode(response(
                "ubnd-a", "k01", seq, counter="2", officer="cb-02",
                answers={"overall": 1, "reasons": ["wait"]}, at=now)))
        raw.publish(kiosk_topic("ubnd-a", "k01", "status"), contract.encode(status("k01", 2)),
                    retain=True)
        raw.publish(kiosk_topic("ubnd-b", "k01", "response"), contract.encode(response(
            "ubnd-b", "k01", 1)))
        raw.publish(kiosk_topic("ubnd-a", "k01", "response"), b"not json")
        raw.publish(kiosk_topic("ubnd-a", "phantom", "response"), b"not json either")
        raw.close()
        wait_until(lambda: running.hub.ingestor.counters.stored == seq + 1,
                   message="the ratings stored")
        wait_until(lambda: running.get("/api/v1/offices/ubnd-a/alerts?state=open")[1]["alerts"],
                   message="the alert opened")
        wait_until(lambda: running.get("/api/v1/offices/ubnd-a/kiosks")[1]["kiosks"][0]["state"]
                   == "online", message="the kiosk's status")
        day = running.get("/api/v1/offices/ubnd-a/scores")[1]["from"]
        reply = httpx.put(running.url + "/api/v1/offices/ubnd-a/dossiers", headers=running.auth,
                          json={"counts": {day: 120}})
        assert reply.status_code == 200, reply.text
        yield Site(running, broker)
    finally:
        running.stop()
        broker.stop()


def api(site: Site, path: str) -> dict[str, Any]:
    status_code, document = site.hub.get(path)
    assert status_code == 200, document
    return document  # type: ignore[no-any-return]


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_live_page_shows_counters_officers_reasons_open_alerts_and_kiosks(site: Site) -> None:
    with site.client("root") as client:
        page = client.get("/offices/ubnd-a/live")
    assert page.status_code == 200
    html = page.text
    text = text_of(html)
    assert 'id="counters"' in html and 'data-key="1"' in html and "Quầy đất đai" in text
    assert 'id="officers"' in html and "Nguyễn Văn An" in text and "Trần Thị Bình" in text
    row = re.search(r'<tr data-key="2" class="too-few-row">(.*?)</tr>', html, re.S)
    assert row and "chưa đủ số lượt đánh giá" in row.group(1)
    assert "band-good" not in row.group(1) and "band-poor" not in row.group(1)  # never coloured
    assert 'data-reason="wait"' in html and "Phải chờ lâu" in text
    assert 'id="alerts"' in html and "Quầy 2" in text and "4 trên 4" in text
    strip = re.search(r'<li class="kiosk kiosk-online" data-kiosk="k01".*?</li>', html, re.S)
    assert strip, "the kiosk strip"
    for label in ("Lần cuối", "Chưa gửi", "Thiếu (seq)", "Lệch đồng hồ", "Máy quét"):
        assert label in strip.group(0)
    assert '<b class="outbox">2</b>' in strip.group(0)
    assert "receipt" not in html.lower()


def test_a_head_sees_an_officer_below_the_minimum_n_by_name_only_on_pages_and_api(
        site: Site) -> None:
    with site.client("lan") as client:
        html = client.get("/offices/ubnd-a/live").text
        cell = re.search(r'<tr data-key="cb-02".*?</tr>', html, re.S)
        assert cell and "chưa đủ số lượt đánh giá" in cell.group(0)
        assert "n = " not in cell.group(0) and "%" not in cell.group(0)
        shown = client.get("/api/v1/offices/ubnd-a/scores?by=officer").json()
        period = text_of(client.get("/offices/ubnd-a/period").text)
    cells = {c["key"]: c for c in shown["cells"]}
    assert cells["cb-02"]["withheld"] is True and cells["cb-02"]["questions"] == {}
    assert cells["cb-02"]["responses"] is None
    assert cells["cb-01"]["questions"]["overall"]["n"] == GOOD_RATINGS
    assert "Với trưởng bộ phận, cán bộ chưa đủ số lượt đánh giá chỉ hiện tên" in period
    admin = api(site, "/api/v1/offices/ubnd-a/scores?by=officer")
    assert {c["key"]: c for c in admin["cells"]}["cb-02"]["questions"]["overall"]["n"] == 4


ADMIN_PAGES = ("/fleet", "/rejected", "/surveys")
ADMIN_API = ("/api/v1/rejected", "/api/v1/fleet", "/api/v1/surveys")
PROVINCE_LISTS = ("/provinces", "/api/v1/provinces")
PROVINCE_PAGES = ("/provinces/dak-nong", "/api/v1/provinces/dak-nong/ranking")
OFFICE_PATHS = ("/offices/{o}", "/offices/{o}/live", "/offices/{o}/period", "/offices/{o}/report",
                "/offices/{o}/report.xlsx", "/offices/{o}/report.csv?table=summary",
                "/offices/{o}/channels", "/api/v1/offices/{o}/scores",
                "/api/v1/offices/{o}/scores?by=officer", "/api/v1/offices/{o}/index",
                "/api/v1/offices/{o}/aspects", "/api/v1/offices/{o}/channels",
                "/api/v1/offices/{o}/kiosks", "/api/v1/offices/{o}/alerts",
                "/api/v1/offices/{o}/reasons", "/api/v1/offices/{o}/flags",
                "/api/v1/offices/{o}/dossiers")
# Who gets 200 (else 403): root is an admin, lan the head of ubnd-a, ana a viewer of dak-nong
# (ubnd-a, ubnd-b), tam a viewer of lam-dong (ubnd-x).
ROLES = ("root", "lan", "ana", "tam")
READERS = {"admin": {"root"}, "province-list": {"root", "ana", "tam"},
           "dak-nong": {"root", "ana"}, "ubnd-a": {"root", "lan", "ana"},
           "ubnd-b": {"root", "ana"}, "ubnd-x": {"root", "tam"}}


def test_every_path_for_every_role(site: Site) -> None:
    assert all(any(p.startswith(prefix) for prefix in ADMIN_PATHS) for p in ADMIN_PAGES + ADMIN_API)
    assert all(any(prefix.startswith(p) or p.startswith(prefix) for p in ADMIN_PAGES + ADMIN_API)
               for prefix in ADMIN_PATHS), "every admin path is tested"
    assert all(any(p.startswith(prefix) for p in PROVINCE_LISTS) for prefix in PROVINCE_PATHS)
    assert admin_only("/api/v1/offices/ubnd-a/kiosks/k01/config")
    expected: dict[str, set[str]] = {}
    for path in ADMIN_PAGES + ADMIN_API:
        expected[path] = READERS["admin"]
    for path in PROVINCE_LISTS:
        expected[path] = READERS["province-list"]
    for path in PROVINCE_PAGES:
        expected[path] = READERS["dak-nong"]
    for office in ("ubnd-a", "ubnd-b", "ubnd-x"):
        for path in OFFICE_PATHS:
            expected[path.format(o=office)] = READERS[office]
    for user in ROLES:
        with site.client(user) as client:
            for path, readers in expected.items():
                assert client.get(path).status_code == (200 if user in readers else 403), \
                    (user, path)


def test_a_viewer_reads_its_provinces_and_changes_nothing(site: Site) -> None:
    with site.client("ana") as viewer, site.client("lan") as head:
        assert viewer.get("/api/v1/provinces").json() == {"provinces": ["dak-nong"]}
        home = text_of(viewer.get("/").text)
        assert "UBND phường A" in home and "UBND phường B" in home and "UBND xã X" not in home
        assert "theo dõi cấp tỉnh" in home  # the role, in words
        ranking = viewer.get("/api/v1/provinces/dak-nong/ranking").json()
        assert {e["office"] for e in ranking["ranked"] + ranking["too_few"]} == {"ubnd-a",
                                                                                "ubnd-b"}
        csrf = re.search(r'name="csrf" value="([^"]+)"', viewer.get("/").text)
        assert csrf
        alert = viewer.get("/api/v1/offices/ubnd-a/alerts?state=open").json()["alerts"][0]
        writes = [("POST", f"/api/v1/offices/ubnd-a/alerts/{alert['id']}/close", b""),
                  ("PUT", "/api/v1/offices/ubnd-a/dossiers", b'{"counts": {"2026-11-23": 4}}'),
                  ("POST", "/api/v1/offices/ubnd-a/kiosks/k01/config", b""),
                  ("POST", "/api/v1/surveys?channel=phone", b"office,overall\n"),
                  ("DELETE", "/api/v1/surveys/1", b"")]
        for method, path, body in writes:
            assert viewer.request(method, path, content=body).status_code == 403, path
        for path in ("/fleet/ubnd-a/k01/push", "/surveys", "/surveys/1/undo"):
            assert viewer.post(path, data={"csrf": csrf.group(1)}).status_code == 403, path
        assert head.get("/api/v1/offices/ubnd-a/alerts?state=open").json()["alerts"], \
            "the viewer closed nothing"
        officers = viewer.get("/api/v1/offices/ubnd-a/scores?by=officer").json()
        assert {c["key"]: c for c in officers["cells"]}["cb-02"]["withheld"] is True
        assert "Bản tin bị từ chối" not in head.get("/").text  # no admin links for a head
    with site.client("root") as admin:
        rejected = wait_until(lambda: (lambda text: text if "not json either" in text else None)(
            text_of(admin.get("/rejected").text)), 20, message="both refusals listed")
        # a rejected message alone never makes a kiosk (issue 16, item 5)
        fleet, office = admin.get("/fleet").text, admin.get("/offices/ubnd-a/live").text
    # who sent it, by the roster's name, not the raw topic (issue 15, item 5)
    assert "UBND phường A · Máy đánh giá k01" in rejected and "not json" in rejected
    assert "hailong/v1/" not in rejected
    assert "phantom" not in fleet and "phantom" not in office and "k01" in fleet
    assert "UBND phường A" in text_of(fleet) and "Quầy đất đai" in text_of(fleet)


def sheet_rows(book: Any, title_key: str) -> list[tuple[Any, ...]]:
    """The long sheet's rows of one section: office, from, to, channel, section, figure, value,
    n, low, high, note (hub/web/report_xlsx.py)."""
    title = Texts("vi").t(f"{title_key}.sheet")  # the section's short name
    return [row for row in list(book.worksheets[0].iter_rows(values_only=True))[1:]
            if row[4] == title]


def test_the_xlsx_and_csv_hold_the_apis_numbers(site: Site) -> None:
    with site.client("root") as client:
        reply = client.get("/offices/ubnd-a/report.xlsx")
        assert reply.status_code == 200
        assert reply.headers["content-type"].startswith("application/vnd.openxmlformats")
        book = load_workbook(io.BytesIO(reply.content))
        counters_csv = client.get("/offices/ubnd-a/report.csv?table=counters&lang=en")
    first = api(site, "/api/v1/offices/ubnd-a/scores")["from"]
    start = (datetime.fromisoformat(first) - timedelta(days=29)).date().isoformat()
    query = f"from={start}&to={first}"
    scores = api(site, f"/api/v1/offices/ubnd-a/scores?{query}")
    summary = {r[5]: r[6] for r in sheet_rows(book, "report.s.summary")}
    vi = Texts("vi")
    assert summary[vi.t("report.m.responses")] == scores["responses"] == GOOD_RATINGS + LOW_RATINGS
    assert summary[vi.t("report.m.satisfied")] == scores["questions"]["overall"]["satisfied"]
    assert summary[vi.t("report.m.response_rate")] == scores["response_rate"]["rate"]
    assert summary[vi.t("report.m.dossiers")] == 120
    # every row names the office and the period as real dates
    row = sheet_rows(book, "report.s.summary")[0]
    assert row[0] == "UBND phường A" and row[3] == vi.t("channel.kiosk")
    assert (row[1].date().isoformat(), row[2].date().isoformat()) == (start, first)

    counters = api(site, f"/api/v1/offices/ubnd-a/scores?{query}&by=counter")
    rows = sheet_rows(book, "report.s.counters")
    assert [r[5] for r in rows] == [f"{c['key']} — {c['name']}" for c in counters["cells"]]
    for row, cell in zip(rows, counters["cells"], strict=True):
        overall = cell["questions"]["overall"]
        assert (row[7], row[6], row[8], row[9]) == (
            overall["n"], overall["satisfied"], *overall["satisfied_ci95"])
    table = list(csv.DictReader(io.StringIO(counters_csv.text.lstrip("\ufeff"))))
    assert [(r["key"], float(r["satisfied"])) for r in table] == [
        (c["key"], c["questions"]["overall"]["satisfied"]) for c in counters["cells"]]

    # people read names and wording, in the API's order; the ids are the CSV's
    factors = sheet_rows(book, "report.s.factors")
    assert [(r[7], r[6], r[8]) for r in factors] == [
        (s["n"], s["satisfied"], s["satisfied_ci95"][0]) for s in scores["factors"].values()]
    questions = api(site, f"/api/v1/offices/ubnd-a/scores?{query}&by=question")
    assert [(r[5].split(" — ")[-1], r[7], r[6]) for r in sheet_rows(book, "report.s.items")] == [
        (c["text"]["vi"], c["n"], c["satisfied"]) for c in questions["cells"]
        if c["type"] == "rating"]
    reasons = api(site, f"/api/v1/offices/ubnd-a/reasons?{query}")
    assert [(r[5], r[6]) for r in sheet_rows(book, "report.s.reasons")] == [
        (r["text"]["vi"], r["share"]) for r in reasons["reasons"]]
    days = sheet_rows(book, "report.s.by_day")
    assert len(days) == 30 and days[-1][7] == GOOD_RATINGS + LOW_RATINGS  # overall answers
    assert days[-1][1] == days[-1][2] and days[-1][2].date().isoformat() == first


def test_the_period_page_groups_by_week_and_refuses_a_bad_range(site: Site) -> None:
    with site.client("root") as client:
        week = client.get("/offices/ubnd-a/period?from=2026-01-01&to=2026-03-31&by=week")
        reversed_range = client.get("/offices/ubnd-a/period?from=2026-03-01&to=2026-02-01")
        bad_by = client.get("/offices/ubnd-a/period?by=year")
        flags = text_of(client.get("/offices/ubnd-a/period").text)
    assert week.status_code == 200
    assert week.text.count('data-column="key"') >= 13 + 1  # ISO weeks of the quarter, + header
    # said in the page's language, with the form to fix it, the values typed kept
    assert reversed_range.status_code == 400
    assert ("Ngày bắt đầu (01/03/2026) sau ngày kết thúc (01/02/2026): hãy đổi lại hai ngày"
            in reversed_range.text)
    assert 'name="from" value="2026-03-01"' in reversed_range.text
    assert 'action="/offices/ubnd-a/period"' in reversed_range.text
    assert 'data-reason="the range is reversed' in reversed_range.text
    assert bad_by.status_code == 400 and "Hãy chọn chia theo ngày, tuần hoặc tháng." in bad_by.text
    for flag in ("Chuỗi đánh giá giống nhau liên tiếp", "Đánh giá không gắn với giao dịch",
                 "Đồng hồ máy đánh giá bị lệch", "người dân cần 20–45 giây"):
        assert flag in flags


def test_the_province_table_ranks_only_offices_with_enough_ratings(site: Site) -> None:
    with site.client("root") as client:
        html = client.get("/provinces/dak-nong").text
    ranked = re.search(r'<table class="ranking sortable" id="ranking"[^>]*>.*?</table>', html, re.S)
    assert ranked and 'data-office="ubnd-a"' in ranked.group(0)
    assert 'data-office="ubnd-b"' not in ranked.group(0)
    small = re.search(r'<ul class="too-few-list" id="too-few">.*?</ul>', html, re.S)
    assert small and 'data-office="ubnd-b"' in small.group(0) and "n = 1" in small.group(0)
    api_ranking = api(site, "/api/v1/provinces/dak-nong/ranking")
    assert [r["office"] for r in api_ranking["ranked"]] == ["ubnd-a"]


def test_the_printable_report_carries_title_period_and_totals(site: Site, tmp_path: Path) -> None:
    with site.client("root") as client:
        html = client.get("/offices/ubnd-a/report?by=month").text
    text = text_of(html)
    assert "Báo cáo kết quả đánh giá mức độ hài lòng" in text and "Kỳ báo cáo: từ" in text
    scores = api(site, "/api/v1/offices/ubnd-a/scores")
    assert f"Tổng số lượt đánh giá {scores['responses']}" in text
    for title in ("Theo 5 yếu tố", "Theo từng câu hỏi", "Lý do chưa hài lòng", "Cảnh báo",
                  "Dấu hiệu cần lưu ý về độ tin cậy", "Theo tháng"):
        assert title in text, title
    assert "Dưới 30 lượt trả lời" in text


def test_the_live_page_opens_with_what_needs_the_head(site: Site) -> None:
    with site.client("lan") as client:
        html = client.get("/offices/ubnd-a/live").text
    # alerts, the weakest counter and factor, the top reasons and the kiosks' one line come
    # before the tables; the headline figure names its channel and says its interval in words
    assert html.index('id="attention"') < html.index('id="kiosk-health"') < html.index(
        'id="questions"')
    tile = text_of(html[html.index('id="tile-satisfied"'):html.index('id="tile-responses"')])
    assert "Hài lòng hôm nay · máy đánh giá" in tile and "Tỷ lệ thật có thể từ" in tile
    attention = html[html.index('id="attention"'):html.index('id="kiosk-health"')]
    assert 'id="alerts"' in attention and "Quầy 2" in text_of(attention)
    counter = text_of(attention[attention.index('id="weakest-counter"'):])
    assert "Quầy đất đai: 88% (n = 32)" in counter  # counter 2 has too few to be singled out
    factor = text_of(attention[attention.index('id="weakest-factor"'):])
    assert "Yếu tố 3: Công chức giải quyết công việc: 100% (n = 32)" in factor
    assert "Phải chờ lâu (4)" in text_of(attention[attention.index('id="top-reasons"'):])
    kiosks = html[html.index('id="kiosk-health"'):html.index('id="questions"')]
    assert "<details class=\"kiosk-details\">" in kiosks  # folded: nothing is wrong
    assert text_of(kiosks).count("1/1 máy đang hoạt động") == 1
