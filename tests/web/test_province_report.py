"""The province report over real HTTP against a real hub (real SQLite, uvicorn on loopback): the
API's JSON, the page, the CSV and the long XLSX (read back with openpyxl) hold the same figures;
viewers of the province and admins read it, heads and other provinces' viewers get 403; a
mistyped parameter gets the page's language. Ratings are written to the store as the ingest
would (tests/hubdata.py), survey answers imported through the API."""

from __future__ import annotations

import csv
import io
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from hailong.broker import Broker
from hub.admin.accounts import Accounts
from tests.hubdata import accepted, response
from tests.support import RunningHub, hub_settings, sign_in, write_toml

PASSWORD = "mật khẩu đủ dài"
ROSTER = """\
[[offices]]
id = "demo"
name = "UBND phường Demo"
province = "dak-nong"

[[offices]]
id = "ubnd-b"
name = "UBND xã B"
province = "dak-nong"

[[offices]]
id = "ubnd-c"
name = "UBND xã C"
province = "dak-nong"

[[offices]]
id = "bv-1"
name = "Bệnh viện 1"
province = "dak-nong"
kind = "hospital"

[[offices]]
id = "th-1"
province = "lam-dong"
kind = "school"
"""
EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "surveys" / "example-phone.csv"
NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}
FACTORS = ("access", "procedure", "officer", "result", "feedback")


def ratings(office: str, day: date, plan: list[tuple[int, dict[str, int]]], seq: int = 0
            ) -> list[Any]:
    """``count`` responses answering each question of ``answers`` as given, on ``day``."""
    at = datetime(day.year, day.month, day.day, 3, 0, tzinfo=UTC)
    items = []
    for count, answers in plan:
        for _ in range(count):
            seq += 1
            items.append(accepted(response(office=office, seq=seq, answers=answers,
                                           at=at + timedelta(seconds=seq)), day=day))
    return items


def every(value: int, feedback: int | None = None) -> dict[str, int]:
    answers = {"overall": value, **{q: value for q in FACTORS}}
    if feedback is not None:
        answers["feedback"] = feedback
    return answers


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHub]:
    from tests.conftest import _mosquitto_available
    from tests.support import require

    require("Mosquitto", _mosquitto_available(), "sudo apt-get install -y mosquitto")
    tmp = tmp_path_factory.mktemp("province")
    broker = Broker(tmp / "broker").start()
    roster = write_toml(tmp / "roster.toml", ROSTER)
    running = RunningHub(hub_settings(tmp / "hub", broker.url, roster=str(roster),
                                      client_id="hailong-hub-province"))
    try:
        accounts = Accounts(running.hub.store.engine)
        accounts.add_user("root", "admin", [], PASSWORD)
        accounts.add_user("lan", "head", ["demo"], PASSWORD)
        accounts.add_user("ana", "viewer", [], PASSWORD, ["dak-nong"])
        accounts.add_user("tam", "viewer", [], PASSWORD, ["lam-dong"])
        store = running.hub.store
        # demo: 40 of 50 satisfied in November on every question, 20 of 50 in October (up);
        # ubnd-b: 45 of 50 on every question but feedback, 10 of 50 on feedback;
        # ubnd-c: 5 answers only (listed apart).
        store.write_batch(ratings("demo", date(2026, 11, 10), [(40, every(5)), (10, every(2))]), [])
        store.write_batch(ratings("demo", date(2026, 10, 10), [(20, every(4)), (30, every(1))],
                                  100), [])
        store.write_batch(ratings("ubnd-b", date(2026, 11, 12),
                                  [(10, every(5)), (35, every(4, 2)), (5, every(3))]), [])
        store.write_batch(ratings("ubnd-c", date(2026, 11, 12), [(5, every(5))]), [])
        request = urllib.request.Request(
            running.url + "/api/v1/surveys?name=example-phone.csv", method="POST",
            data=EXAMPLE.read_bytes(), headers=running.auth)
        with urllib.request.urlopen(request, timeout=30) as reply:
            assert reply.status in (200, 201)
        yield running
    finally:
        running.stop()
        broker.stop()


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


def test_the_api_ranks_units_and_marks_only_significant_changes(hub: RunningHub) -> None:
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
    facts = document["facts"]
    assert facts["lowest_factor"]["key"] == "5"
    assert [u["office"] for u in facts["below_index"]] == ["ubnd-b"]


def test_kiosk_beside_the_phone_survey_per_unit(hub: RunningHub) -> None:
    demo = next(u for u in api(hub, order="overall")["ranked"] if u["office"] == "demo")
    channels = {c["channel"]: c for c in demo["channels"]}
    assert set(channels) == {"kiosk", "phone"} and demo["channel_figure"] == "overall"
    assert channels["kiosk"]["differs"] is None
    kiosk, phone = channels["kiosk"], channels["phone"]
    apart = phone["high"] < kiosk["low"] or kiosk["high"] < phone["low"]
    assert channels["phone"]["differs"] is apart


def test_the_api_refuses_what_it_cannot_report(hub: RunningHub) -> None:
    for query, parameter in (({"order": "speed"}, "order"), ({"kind": "school"}, "kind"),
                             ({"sort": "up"}, "sort"), ({"from": "2026-13-01"}, "from")):
        reply = httpx.get(f"{hub.url}/api/v1/provinces/dak-nong/report", headers=hub.auth,
                          params=query, timeout=60)
        assert reply.status_code == 400, query
        assert reply.json()["parameter"] == parameter
    reply = httpx.get(f"{hub.url}/api/v1/provinces/nowhere/report", headers=hub.auth,
                      timeout=60)
    assert reply.status_code == 404 and reply.json()["parameter"] == "province"


def test_viewers_and_admins_read_it_heads_and_other_provinces_do_not(hub: RunningHub) -> None:
    paths = ["/provinces/dak-nong/report", "/provinces/dak-nong/report.csv",
             "/provinces/dak-nong/report.xlsx", "/api/v1/provinces/dak-nong/report"]
    for user, allowed in (("root", True), ("ana", True), ("lan", False), ("tam", False)):
        with signed_in(hub, user) as client:
            for path in paths:
                code = client.get(path, params=NOVEMBER).status_code
                assert code == (200 if allowed else 403), (user, path, code)


def test_the_page_shows_the_apis_figures(hub: RunningHub) -> None:
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


def test_the_csv_and_long_xlsx_hold_the_apis_figures(hub: RunningHub) -> None:
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


def test_a_mistyped_page_parameter_is_told_in_vietnamese(hub: RunningHub) -> None:
    with signed_in(hub, "ana") as client:
        reply = client.get("/provinces/dak-nong/report", params={"order": "speed", "lang": "vi"})
        assert reply.status_code == 400
        assert "Không thể xếp hạng theo “speed”" in reply.text
        assert client.get("/provinces/nowhere/report").status_code == 403  # dak-nong's viewer
    with signed_in(hub, "root") as client:
        missing = client.get("/provinces/nowhere/report", params={"lang": "vi"})
        assert missing.status_code == 404 and "nowhere" in missing.text
        assert "Không có cơ quan nào trong tỉnh “nowhere”" in missing.text
