"""The province report over real HTTP against a real hub (real SQLite, uvicorn on loopback): the
API's JSON, the page, the CSV and the long XLSX (read back with openpyxl) hold the same figures;
viewers of the province and admins read it, heads and other provinces' viewers get 403; a
mistyped parameter gets the page's language. Ratings are written to the store as the ingest
would (tests/hubdata.py), survey answers imported through the API."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from tests.support import RunningHub, sign_in
from tests.web.conftest import NOVEMBER, PASSWORD


@contextmanager
def signed_in(hub: RunningHub, user: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=hub.url, timeout=60) as client:
        assert sign_in(client, user, PASSWORD).status_code == 200
        yield client


def api(hub: RunningHub, **query: str) -> dict[str, Any]:
    reply = httpx.get(f"{hub.url}/api/v1/provinces/dak-nong/report", headers=hub.auth,
                      params={**NOVEMBER, **query}, timeout=60)
    assert reply.status_code == 200, reply.text
    document: dict[str, Any] = reply.json()
    return document


def test_the_api_ranks_units_and_marks_only_significant_changes(province_hub: RunningHub) -> None:
    hub = province_hub
    document = api(hub)
    assert document["kind"] == "admin" and document["order"] == "index"
    assert document["previous"] == {"from": "2026-10-02", "to": "2026-10-31"}
    ranked = [(u["office"], u["rank"]) for u in document["ranked"]]
    # demo: .80 on every factor; ubnd-b: .90 on factors 1–4, .20 on feedback, so .76
    assert ranked == [("demo", 1), ("ubnd-b", 2)]
    assert [u["office"] for u in document["too_few"]] == ["ubnd-c"]
    b = document["ranked"][1]["figures"]
    # feedback: 10 fives of 50 (35 twos, 5 threes) = .20; the index (.9·4 + .2) / 5 = .76
    assert b["5"]["value"] == pytest.approx(0.2) and b["5"]["n"] == 50
    assert b["index"]["value"] == pytest.approx(0.76)
    demo = document["ranked"][0]
    assert demo["figures"]["index"]["value"] == pytest.approx(0.8)
    # 40/50 against 20/50: z = .4 / √(.6·.4·(2/50)) = 4.08, significant, up
    assert demo["changes"]["overall"]["direction"] == "up"
    assert demo["changes"]["overall"]["z"] == pytest.approx(4.0825, abs=1e-4)
    assert b["overall"]["value"] == pytest.approx(0.9)
    assert document["ranked"][1]["changes"]["overall"]["previous"] is None  # no October
    # ranked on factor 1 instead: ubnd-b's .90 before demo's .80
    by_access = api(hub, order="1")
    assert [u["office"] for u in by_access["ranked"]] == ["ubnd-b", "demo"]
    # one kind at a time: the hospital alone, named by its own form's sections, never ranked
    # with no answers
    hospital = api(hub, kind="hospital")
    assert hospital["ranked"] == [] and [u["office"] for u in hospital["too_few"]] == ["bv-1"]
    assert hospital["names"]["1"] != document["names"]["1"]
    facts = document["facts"]
    assert facts["lowest_factor"]["key"] == "5"
    assert [u["office"] for u in facts["below_index"]] == ["ubnd-b"]


def test_kiosk_beside_the_phone_survey_per_unit(province_hub: RunningHub) -> None:
    hub = province_hub
    demo = next(u for u in api(hub, order="overall")["ranked"] if u["office"] == "demo")
    channels = {c["channel"]: c for c in demo["channels"]}
    assert set(channels) == {"kiosk", "phone"} and demo["channel_figure"] == "overall"
    assert channels["kiosk"]["differs"] is None
    kiosk, phone = channels["kiosk"], channels["phone"]
    apart = phone["high"] < kiosk["low"] or kiosk["high"] < phone["low"]
    assert channels["phone"]["differs"] is apart


def test_the_api_refuses_what_it_cannot_report(province_hub: RunningHub) -> None:
    hub = province_hub
    for query, parameter in (({"order": "speed"}, "order"), ({"kind": "school"}, "kind"),
                             ({"sort": "up"}, "sort"), ({"from": "2026-13-01"}, "from")):
        reply = httpx.get(f"{hub.url}/api/v1/provinces/dak-nong/report", headers=hub.auth,
                          params=query, timeout=60)
        assert reply.status_code == 400, query
        assert reply.json()["parameter"] == parameter
    reply = httpx.get(f"{hub.url}/api/v1/provinces/nowhere/report", headers=hub.auth,
                      timeout=60)
    assert reply.status_code == 404 and reply.json()["parameter"] == "province"


def test_viewers_and_admins_read_it_heads_and_other_provinces_do_not(province_hub: RunningHub) -> None:
    hub = province_hub
    paths = ["/provinces/dak-nong/report", "/provinces/dak-nong/report.csv",
             "/provinces/dak-nong/report.xlsx", "/api/v1/provinces/dak-nong/report"]
    for user, allowed in (("root", True), ("ana", True), ("lan", False), ("tam", False)):
        with signed_in(hub, user) as client:
            for path in paths:
                code = client.get(path, params=NOVEMBER).status_code
                assert code == (200 if allowed else 403), (user, path, code)


def test_the_page_shows_the_apis_figures(province_hub: RunningHub) -> None:
    hub = province_hub
    document = api(hub)
    with signed_in(hub, "ana") as client:
        page = client.get("/provinces/dak-nong/report", params={**NOVEMBER, "lang": "vi"})
    assert page.status_code == 200
    text = page.text
    assert "UBND xã B" in text and "UBND xã C" in text and "Chỉ số SIPAS" in text
    assert 'data-change="up"' in text  # demo's significant rise
    assert "76%" in text and "80%" in text  # ubnd-b's and demo's index
    assert 'id="integrity"' in text and 'id="needs"' in text
    assert 'id="unit-channels"' in text and 'data-channel="phone"' in text
    differs = any(c["differs"] for u in document["ranked"] for c in u["channels"])
    assert ("≠ khác máy đánh giá" in text) is differs


def test_the_csv_and_long_xlsx_hold_the_apis_figures(province_hub: RunningHub) -> None:
    hub = province_hub
    document = api(hub)
    with signed_in(hub, "ana") as client:
        machine = client.get("/provinces/dak-nong/report.csv",
                             params={**NOVEMBER, "table": "units", "lang": "en"})
        people = client.get("/provinces/dak-nong/report.csv",
                            params={**NOVEMBER, "table": "units", "lang": "vi"})
        book = load_workbook(io.BytesIO(client.get("/provinces/dak-nong/report.xlsx",
                                                   params={**NOVEMBER, "lang": "vi"}).content))
    rows = list(csv.DictReader(io.StringIO(machine.text.lstrip("\ufeff"))))
    by_key = {(r["office"], r["figure"]): r for r in rows}
    for unit in document["ranked"] + document["too_few"]:
        for key, figure in unit["figures"].items():
            row = by_key[(unit["office"], key)]
            assert int(row["n"]) == figure["n"]
            if figure["value"] is not None:
                assert float(row["value"]) == pytest.approx(figure["value"])
    assert by_key[("demo", "overall")]["significant"] == "significant"
    header = next(csv.reader(io.StringIO(people.text.lstrip("\ufeff"))))
    assert "Đơn vị" in header and "office" not in header and "Mã đơn vị" not in header
    assert "80,0%" in people.text and "demo" not in people.text
    sheet = book.worksheets[0]
    assert sheet.title == "Số liệu" and book.worksheets[1].title == "Ghi chú"
    table = list(sheet.iter_rows(values_only=True))
    assert table[0] == ("Đơn vị", "Từ ngày", "Đến ngày", "Kênh", "Mục", "Chỉ số", "Giá trị", "n",
                        "khoảng tin cậy 95% (cận dưới)", "khoảng tin cậy 95% (cận trên)",
                        "Ghi chú")
    index = {(r[0], r[1].date() if r[1] else None, r[3], r[5]): r for r in table[1:]}
    b = document["ranked"][1]["figures"]["index"]
    row = index[("UBND xã B", date(2026, 11, 1), "Máy đánh giá", "Chỉ số SIPAS")]
    assert (row[6], row[7]) == (pytest.approx(b["value"]), b["n"])
    assert (row[8], row[9]) == (pytest.approx(b["low"]), pytest.approx(b["high"]))
    assert isinstance(row[1], datetime) and row[2].date() == date(2026, 11, 30)
    before = index[("UBND phường Demo", date(2026, 10, 2), "Máy đánh giá", "Đánh giá chung")]
    assert before[6] == pytest.approx(0.4) and before[7] == 50
    phone = [r for r in table[1:] if r[0] == "UBND phường Demo" and r[3] == "khảo sát qua điện thoại"]
    assert phone and phone[0][5] == "Đánh giá chung"


def test_a_mistyped_page_parameter_is_told_in_vietnamese(province_hub: RunningHub) -> None:
    hub = province_hub
    with signed_in(hub, "ana") as client:
        reply = client.get("/provinces/dak-nong/report", params={"order": "speed", "lang": "vi"})
        assert reply.status_code == 400
        assert "Không thể xếp hạng theo “speed”" in reply.text
        assert client.get("/provinces/nowhere/report").status_code == 403  # dak-nong's viewer
    with signed_in(hub, "root") as client:
        unknown = client.get("/no/such/page", params={"lang": "vi"})
        assert unknown.status_code == 404 and "Không có trang này" in unknown.text
        assert client.get("/api/v1/no-such-thing").json()["error"]  # the API stays JSON
        missing = client.get("/provinces/nowhere/report", params={"lang": "vi"})
        assert missing.status_code == 404 and "nowhere" in missing.text
        assert "Không có cơ quan nào trong tỉnh “nowhere”" in missing.text
