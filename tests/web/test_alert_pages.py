"""Handling an alert without JavaScript: the office page's and the alerts page's forms (POST and
redirect, the session's CSRF token), who may, what the pages and the API then show. A real hub
on loopback, real HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from hailong import contract
from hailong.broker import Broker
from hailong.topics import kiosk_topic
from hub.admin.accounts import Accounts
from tests.support import RawClient, RunningHub, hub_settings, sign_in, wait_until, write_toml
from tests.support.hubdata import response
from tools.browser import ISO_TIME

PASSWORD = "mật khẩu đủ dài"
ROSTER = """
[[offices]]
id = "ubnd-a"
name = "UBND phường Bến Thành"
province = "ho-chi-minh"

[[offices]]
id = "ubnd-b"
province = "ho-chi-minh"

[[kiosks]]
office = "ubnd-a"
id = "k01"
counter = "1"
"""
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def site(tmp_path: Path, broker: Broker) -> Iterator[tuple[RunningHub, int]]:
    roster = write_toml(tmp_path / "roster.toml", ROSTER)
    hub = RunningHub(hub_settings(tmp_path / "hub", broker.url, roster=str(roster)))
    accounts = Accounts(hub.hub.store.engine)
    accounts.add_user("lan", "head", ["ubnd-a"], PASSWORD)
    accounts.add_user("binh", "head", ["ubnd-b"], PASSWORD)
    accounts.add_user("ana", "viewer", [], PASSWORD, ["ho-chi-minh"])
    accounts.add_user("root", "admin", [], PASSWORD)
    raw = RawClient(broker.url)
    for seq in range(1, 5):
        raw.publish(kiosk_topic("ubnd-a", "k01", "response"), contract.encode(response(
            "ubnd-a", "k01", seq, answers={"overall": 1}, at=datetime.now(UTC))))
    raw.close()
    wait_until(lambda: hub.get("/api/v1/offices/ubnd-a/alerts?state=open")[1]["alerts"],
               message="the alert")
    alert_id = hub.get("/api/v1/offices/ubnd-a/alerts")[1]["alerts"][0]["id"]
    yield hub, alert_id
    hub.stop()


def browser(hub: RunningHub, name: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=hub.url, timeout=30)
    page = sign_in(client, name, PASSWORD)
    found = CSRF.search(page.text)
    assert found
    return client, found.group(1)


def text_of(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S))


def test_a_head_acknowledges_then_closes_with_notes_and_the_pages_and_api_tell_who_and_when(
        site: tuple[RunningHub, int]) -> None:
    hub, alert_id = site
    lan, token = browser(hub, "lan")
    office = lan.get("/offices/ubnd-a")
    assert f'action="/offices/ubnd-a/alerts/{alert_id}/ack"' in office.text
    assert 'href="/offices/ubnd-a/alerts"' in office.text
    acked = lan.post(f"/offices/ubnd-a/alerts/{alert_id}/ack",
                     data={"csrf": token, "note": "Đang kiểm tra quầy 1", "next": "/offices/ubnd-a"})
    assert acked.status_code == 303
    assert acked.headers["location"] == f"/offices/ubnd-a?done=ack#alert-{alert_id}"
    page = lan.get(acked.headers["location"])
    assert "Đã ghi nhận việc tiếp nhận cảnh báo." in page.text
    assert re.search(r"Đã tiếp nhận: lan, \d\d/\d\d/\d{4} \d\d:\d\d", page.text)
    assert f'action="/offices/ubnd-a/alerts/{alert_id}/ack"' not in page.text  # done once
    empty = lan.post(f"/offices/ubnd-a/alerts/{alert_id}/close",
                     data={"csrf": token, "note": "  ", "next": "/offices/ubnd-a/alerts"})
    assert empty.headers["location"] == f"/offices/ubnd-a/alerts?done=empty#alert-{alert_id}"
    assert "Hãy ghi rõ đã làm gì" in lan.get(empty.headers["location"]).text
    closed = lan.post(f"/offices/ubnd-a/alerts/{alert_id}/close",
                      data={"csrf": token, "note": "Đã bố trí thêm một cán bộ giờ cao điểm",
                            "next": "/offices/ubnd-a/alerts?state=open"})
    assert closed.headers["location"] == (
        f"/offices/ubnd-a/alerts?state=open&done=close#alert-{alert_id}")
    history = text_of(lan.get("/offices/ubnd-a/alerts?state=closed").text)
    assert re.search(r"lan đã tiếp nhận lúc \d\d/\d\d/\d{4} \d\d:\d\d", history)
    assert re.search(r"lan đã đóng lúc \d\d/\d\d/\d{4} \d\d:\d\d", history)
    assert "Đang kiểm tra quầy 1" in history
    assert "Đã bố trí thêm một cán bộ giờ cao điểm" in history
    assert re.search(ISO_TIME, history) is None and "ubnd-a" not in history
    assert "Không có cảnh báo nào khớp bộ lọc." in lan.get(
        "/offices/ubnd-a/alerts?state=open").text
    document = hub.get("/api/v1/offices/ubnd-a/alerts")[1]["alerts"][0]
    assert document["state"] == "closed" and document["acknowledged"] is True
    assert document["acknowledged_by"] == "lan" and document["closed_by"] == "lan"
    assert [(e["action"], e["by"], e["note"]) for e in document["events"]] == [
        ("ack", "lan", "Đang kiểm tra quầy 1"),
        ("close", "lan", "Đã bố trí thêm một cán bộ giờ cao điểm")]
    assert document["note"] == "Đã bố trí thêm một cán bộ giờ cao điểm"  # as before issue 19
    gone = lan.post(f"/offices/ubnd-a/alerts/{alert_id}/ack",
                    data={"csrf": token, "note": "", "next": "/offices/ubnd-a"})
    assert "done=gone" in gone.headers["location"]
    lan.close()


def test_viewers_and_heads_of_other_offices_get_403_admins_may_and_scripts_get_json(
        site: tuple[RunningHub, int]) -> None:
    hub, alert_id = site
    for name in ("ana", "binh"):
        client, token = browser(hub, name)
        for action in ("ack", "close"):
            reply = client.post(f"/offices/ubnd-a/alerts/{alert_id}/{action}",
                                data={"csrf": token, "note": "thử"})
            assert reply.status_code == 403, (name, action)
        api = client.post(f"/api/v1/offices/ubnd-a/alerts/{alert_id}/ack",
                          headers={"x-csrf-token": token}, json={"note": "thử"})
        assert api.status_code == 403
        client.close()
    viewer, _token = browser(hub, "ana")
    page = viewer.get("/offices/ubnd-a/alerts")  # a viewer reads the history, handles nothing
    assert page.status_code == 200 and "/ack" not in page.text and 'id="viewer-note"' in page.text
    viewer.close()
    root, token = browser(hub, "root")
    reply = root.post(f"/offices/ubnd-a/alerts/{alert_id}/ack",
                      data={"csrf": token, "note": "Quản trị đã xem"},
                      headers={"Accept": "application/json"})
    assert reply.json() == {"outcome": "ack", "message": "Đã ghi nhận việc tiếp nhận cảnh báo."}
    api = root.post(f"/api/v1/offices/ubnd-a/alerts/{alert_id}/ack",
                    headers={"x-csrf-token": token}, json={"note": "lần hai"})
    assert api.json() == {"acknowledged": alert_id}
    bad = root.post(f"/api/v1/offices/ubnd-a/alerts/{alert_id}/ack",
                    headers={"x-csrf-token": token}, content=b"not json")
    assert bad.status_code == 400 and bad.json()["parameter"] == "note"
    root.close()
    token_ack = httpx.post(f"{hub.url}/api/v1/offices/ubnd-a/alerts/{alert_id}/close",
                           headers=hub.auth, json={"note": "qua API"})
    assert token_ack.json() == {"closed": alert_id}
    again = httpx.post(f"{hub.url}/api/v1/offices/ubnd-a/alerts/{alert_id}/ack", headers=hub.auth)
    assert again.status_code == 404
    events = hub.get("/api/v1/offices/ubnd-a/alerts")[1]["alerts"][0]["events"]
    assert [(e["action"], e["by"], e["by_kind"]) for e in events] == [
        ("ack", "root", "user"), ("ack", "root", "user"), ("close", "tests", "token")]


def test_the_alerts_page_filters_and_its_live_part_answers_with_patches(
        site: tuple[RunningHub, int]) -> None:
    hub, alert_id = site
    lan, _token = browser(hub, "lan")
    assert f'id="alert-{alert_id}"' in lan.get("/offices/ubnd-a/alerts?kind=overall&counter=1").text
    assert f'id="alert-{alert_id}"' not in lan.get("/offices/ubnd-a/alerts?counter=2").text
    assert f'id="alert-{alert_id}"' not in lan.get(
        "/offices/ubnd-a/alerts?from=2020-01-01&to=2020-01-31").text
    bad = lan.get("/offices/ubnd-a/alerts?from=31/12/2026")
    assert bad.status_code == 200 and 'id="bad-day"' in bad.text
    page = lan.get("/offices/ubnd-a/alerts?state=open")
    assert 'data-fragment="/offices/ubnd-a/alerts/live?state=open"' in page.text
    first = lan.get("/offices/ubnd-a/alerts/live?state=open&since=").json()
    assert f'id="alert-{alert_id}"' in first["html"]
    same = lan.get(f"/offices/ubnd-a/alerts/live?state=open&since={first['version']}").json()
    assert same == {"version": first["version"], "patch": []}
    lan.close()
