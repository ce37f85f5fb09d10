"""The plan of actions and the public page over real HTTP: an admin adds an action with the
page's form (no JavaScript), it shows in the report and, once done, on the public page; the
public page holds no officer name, counter or kiosk id of the database; it is 404 when off.

A real hub (real Mosquitto, real SQLite, uvicorn on loopback).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from hailong.broker import Broker
from hub.admin.accounts import Accounts
from hub.store import tables as t
from tests.support import RunningHub, hub_settings, sign_in, write_toml
from tests.support.actions import PASSWORD, ROSTER, last_month_moment, public_hub


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningHub, httpx.Client]]:
    from tests.support import mosquitto_available, require

    require("Mosquitto", mosquitto_available(), "sudo apt-get install -y mosquitto")
    tmp = tmp_path_factory.mktemp("public")
    broker = Broker(tmp / "broker").start()
    running = public_hub(tmp, broker.url, "hailong-hub-public",
                         "enabled = true\ncache_seconds = 600")
    client = httpx.Client(base_url=running.url, timeout=30)
    try:
        accounts = Accounts(running.hub.store.engine)
        accounts.add_user("root", "admin", [], PASSWORD)
        accounts.add_user("lan", "head", ["ubnd-phuoc"], PASSWORD)
        accounts.add_user("ana", "viewer", [], PASSWORD, ["khanh-hoa"])
        sign_in(client, "root", PASSWORD)
        yield running, client
    finally:
        client.close()
        running.stop()
        broker.stop()


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the page carries the session's CSRF token"
    return found.group(1)


def test_an_admin_adds_an_action_and_it_reaches_the_report_and_the_public_page(site) -> None:
    running, client = site
    page = client.get("/offices/ubnd-phuoc/actions")
    assert page.status_code == 200 and 'id="action-new"' in page.text
    due = last_month_moment().date()
    added = client.post("/offices/ubnd-phuoc/actions", data={
        "csrf": csrf_of(page.text), "problem_link": "factor:3",
        "problem": "Người dân phàn nàn về hướng dẫn", "measure": "Dán bảng hướng dẫn mới tại quầy",
        "responsible": "Tổ trưởng Một cửa", "due": due.strftime("%d/%m/%Y"),
        "status": "planned", "result": ""})
    assert added.status_code == 303
    listed = client.get(added.headers["location"])
    assert "Dán bảng hướng dẫn mới tại quầy" in listed.text and "Dự kiến" in listed.text
    action_id = running.hub.store.read.actions("ubnd-phuoc")[0]["id"]

    first = due.replace(day=1)
    report = client.get(f"/offices/ubnd-phuoc/report?from={first}&to={due}")
    assert report.status_code == 200
    section = report.text[report.text.index('id="section-actions"'):]
    assert "Dán bảng hướng dẫn mới tại quầy" in section
    assert "chưa đủ lượt" in section  # no ratings in the 30 days before its due date

    # done, with a note naming the officer: the public page must not show the name
    done = client.post(f"/offices/ubnd-phuoc/actions/{action_id}", data={
        "csrf": csrf_of(listed.text), "problem_link": "factor:3",
        "measure": "Dán bảng hướng dẫn mới tại quầy", "responsible": "Tổ trưởng Một cửa",
        "due": due.isoformat(), "status": "done",
        "result": "Anh Nguyễn Văn Xuân đã hướng dẫn lại; ít phàn nàn hơn"})
    assert done.status_code == 303
    row = running.hub.store.read.action("ubnd-phuoc", action_id)
    assert row is not None and row["status"] == "done" and row["done_at"] is not None
    # done today, so told with the month that closes next; moved into last month to be told now
    with running.hub.store.engine.begin() as conn:
        conn.execute(t.actions.update().values(done_at=last_month_moment()))
    running.hub.dashboard.action_done("ubnd-phuoc")
    public = httpx.get(f"{running.url}/public/khanh-hoa", timeout=30)
    assert public.status_code == 200
    assert "Dán bảng hướng dẫn mới tại quầy" in public.text
    assert "ít phàn nàn hơn" in public.text
    assert "Ông/Bà đã góp ý – chúng tôi đã làm" in public.text
    assert "75%" in public.text  # overall: 3 of 4 answered 4 or 5 (min_n 3)
    # one office: its integrity figures would be its own, so the province's are not told
    assert "Chưa công bố: cần câu trả lời từ ít nhất 3 cơ quan." in public.text


def test_the_public_page_holds_no_officer_counter_or_kiosk_of_the_database(site) -> None:
    running, _client = site
    public = httpx.get(f"{running.url}/public/khanh-hoa", timeout=30)
    assert public.status_code == 200
    read = running.hub.store.read
    secrets = []
    for office in read.office_ids():
        for table, key in ((t.officers, "code"), (t.counters, "label")):
            for code, name in read.names(table, key, office).items():
                secrets += [code, name]
        secrets += [k["kiosk"] for k in read.kiosks(office)]
    assert {"cb-nguyen-van-xuan", "Nguyễn Văn Xuân", "quay-tiep-nhan-7",
            "kiosk-cua-bac"} <= set(secrets)
    html = public.text.lower()
    assert [s for s in secrets if s and s.lower() in html] == []


def test_the_public_page_is_cached_with_an_etag(site) -> None:
    running, _client = site
    first = httpx.get(f"{running.url}/public/khanh-hoa", timeout=30)
    again = httpx.get(f"{running.url}/public/khanh-hoa", timeout=30,
                      headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert first.headers["cache-control"] == "public, max-age=600"
    assert httpx.get(f"{running.url}/public/nowhere", timeout=30).status_code == 404


def test_the_api_adds_lists_and_changes_actions(site) -> None:
    running, _client = site
    with httpx.Client(base_url=running.url, headers=running.auth, timeout=30) as api:
        made = api.post("/api/v1/offices/ubnd-phuoc/actions", json={
            "problem_kind": "reason", "problem_ref": "wait", "measure": "Thêm ghế chờ",
            "responsible": "Văn phòng", "due": "2026-12-31"})
        assert made.status_code == 201, made.text
        action = made.json()
        assert action["status"] == "planned" and action["due"] == "2026-12-31"
        wrong = api.post("/api/v1/offices/ubnd-phuoc/actions", json={
            "problem_kind": "reason", "problem_ref": "no-such-reason", "measure": "x",
            "responsible": "y", "due": "2026-12-31"})
        assert wrong.status_code == 400 and wrong.json()["parameter"] == "problem_ref"
        changed = api.patch(f"/api/v1/offices/ubnd-phuoc/actions/{action['id']}",
                            json={"status": "in_progress"})
        assert changed.status_code == 200 and changed.json()["status"] == "in_progress"
        missing = api.patch("/api/v1/offices/ubnd-phuoc/actions/99999", json={"status": "done"})
        assert missing.status_code == 404
        listed = api.get("/api/v1/offices/ubnd-phuoc/actions").json()["actions"]
        assert action["id"] in [a["id"] for a in listed]


def test_the_plan_exports_as_csv_and_xlsx_with_vietnamese_labels(site) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    _running, client = site
    csv = client.get("/offices/ubnd-phuoc/actions.csv")
    assert csv.status_code == 200
    lines = csv.text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Loại vấn đề,Vấn đề,Mô tả vấn đề,Biện pháp")
    assert any("Thêm ghế chờ" in line and "31/12/2026" in line for line in lines)
    book = load_workbook(BytesIO(client.get("/offices/ubnd-phuoc/actions.xlsx").content))
    rows = [[c.value for c in row] for row in book.worksheets[0].iter_rows()]
    assert "Hạn hoàn thành" in rows[2]
    assert any("31/12/2026" in row for row in rows)


def test_the_public_page_is_404_when_not_enabled(tmp_path, broker) -> None:
    roster = write_toml(tmp_path / "roster.toml", ROSTER)
    running = RunningHub(hub_settings(tmp_path / "hub", broker.url, roster=str(roster),
                                      client_id="hailong-hub-public-off"))
    try:
        reply = httpx.get(f"{running.url}/public/khanh-hoa", timeout=30)
        assert reply.status_code == 404
        assert "Trang công khai chưa được bật" in reply.text
    finally:
        running.stop()


def test_a_head_writes_with_clear_errors_and_a_viewer_only_reads(site) -> None:
    running, _client = site
    with httpx.Client(base_url=running.url, timeout=30) as head, \
            httpx.Client(base_url=running.url, timeout=30) as viewer:
        sign_in(head, "lan", PASSWORD)
        page = head.get("/offices/ubnd-phuoc/actions")
        wrong = head.post("/offices/ubnd-phuoc/actions", data={
            "csrf": csrf_of(page.text), "problem_link": "reason:wait", "measure": "Thêm quạt",
            "responsible": "Văn phòng", "due": "31/02/2027", "status": "planned"})
        assert wrong.status_code == 400
        assert "Hạn hoàn thành phải là một ngày, ví dụ 31/12/2026." in wrong.text
        assert "Thêm quạt" in wrong.text  # what was typed is kept
        assert head.post("/offices/ubnd-phuoc/actions", data={
            "problem_link": "reason:wait", "measure": "x", "responsible": "y",
            "due": "2027-01-31"}).status_code == 403  # no CSRF token
        sign_in(viewer, "ana", PASSWORD)
        read = viewer.get("/offices/ubnd-phuoc/actions")
        assert read.status_code == 200 and 'id="action-new"' not in read.text
        assert "<form method=\"post\" class=\"action-form\"" not in read.text
        refused = viewer.post("/offices/ubnd-phuoc/actions", data={
            "csrf": csrf_of(read.text), "problem_link": "reason:wait", "measure": "x",
            "responsible": "y", "due": "2027-01-31"})
        assert refused.status_code == 403
        assert not [a for a in running.hub.store.read.actions("ubnd-phuoc")
                    if a["measure"] in ("x", "Thêm quạt")]
