"""The web channel over real HTTP against a real hub (real Mosquitto, real SQLite): signed links,
the questionnaire screen by screen, exactly-once storage, refusals that store nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from hailong import contract
from hailong.broker import Broker
from hailong.topics import kiosk_topic, office_topic
from hailong.weblinks import LinkRefusal
from hub.admin.accounts import Accounts
from tests.support import RawClient, RunningHub, sign_in, wait_until
from tests.support.hubdata import response
from tests.support.web import Phone, receipt_h, web_hub

H = receipt_h("H21.65-221114-0001")
REASONS = "Ông/Bà chưa hài lòng về điều gì?"


@pytest.fixture
def running(tmp_path: Path, broker: Broker) -> Iterator[RunningHub]:
    hub = web_hub(tmp_path, broker)
    yield hub
    hub.stop()


def stored(hub: RunningHub) -> list[dict[str, object]]:
    with hub.hub.store.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT id, channel, kiosk, trigger, receipt_h, stage, "
                                    "answers, counter FROM responses").mappings().all()
    return [dict(r) for r in rows]


def link(hub: RunningHub, h: str = H, stage: str | None = "result") -> str:
    return hub.hub.web.issue("ubnd-a", "q3", stage, h).url


def test_a_link_rated_on_a_phone_is_stored_once_under_web_and_tells_the_kiosks(
        running: RunningHub, broker: Broker) -> None:
    kiosks = RawClient(broker.url, subscribe=(office_topic("ubnd-a", "rated"),))
    phone = Phone(running.url)
    try:
        first = phone.open(link(running))
        assert first.status_code == 200
        assert first.cookies.get("hailong_form") and len(first.cookies) == 1
        assert phone.heading().startswith("Nhìn chung")
        assert "UBND phường An Bình" in first.text and "Quầy 3 — Tư pháp" in first.text
        assert "không giữ tên, số điện thoại hay địa chỉ mạng (IP)" in first.text
        phone.tap("answer:2")  # a low answer opens the reasons, as on the kiosk
        assert phone.heading() == REASONS
        assert 'type="checkbox" name="a" value="wait"' in phone.page.text
        phone.tap("answer", ("wait", "impolite"))
        last_screen = phone.hidden()
        phone.tap("send")  # Send now, on any screen
        assert phone.heading() == "Cảm ơn Ông/Bà!"
        again = phone.tap("send", hidden=last_screen)  # a double tap or a resubmission
        assert again.status_code == 200 and phone.heading() == "Cảm ơn Ông/Bà!"
        rows = stored(running)
        assert len(rows) == 1
        row = rows[0]
        assert (row["channel"], row["kiosk"], row["trigger"], row["receipt_h"], row["stage"],
                row["counter"]) == ("web", "web", "web", H, "result", "q3")
        assert json.loads(str(row["answers"])) == {"overall": 2, "reasons": ["wait", "impolite"]}
        wait_until(lambda: kiosks.received(office_topic("ubnd-a", "rated")),
                   message="the rated notice")
        assert [json.loads(p) for p in kiosks.received(office_topic("ubnd-a", "rated"))] == [
            {"v": 1, "h": H, "stage": "result"}]
        # the link is used now: opening it again says so, and stores nothing
        reopened = phone.open(link_again := phone.path)
        assert reopened.status_code == 409 and "đã được đánh giá" in reopened.text
        assert link_again.startswith("/r/")
        status, scores = running.get("/api/v1/offices/ubnd-a/scores?channel=web")
        assert status == 200 and scores["responses"] == 1
    finally:
        phone.close()
        kiosks.close()


def test_tampered_expired_and_reused_links_are_refused_and_store_nothing(
        running: RunningHub) -> None:
    url = link(running)
    token = url.rsplit("/", 1)[1]
    tampered = url[:-len(token)] + ("A" if token[0] != "A" else "B") + token[1:]
    web = running.hub.web
    expired = web.public_url + "/r/" + web.signer.dossier_link(
        "ubnd-a", "q3", None, H, datetime.now(UTC) - timedelta(minutes=1))
    phone = Phone(running.url)
    try:
        page = phone.open(tampered)
        assert page.status_code == 404 and "không hợp lệ" in page.text
        page = phone.open(expired)
        assert page.status_code == 410 and "đã hết hạn" in page.text
        poster_as_dossier = web.public_url + "/r/" + web.signer.poster_link("ubnd-a", "q3")
        assert phone.open(poster_as_dossier).status_code == 404
        # a form whose hidden state was changed is refused too
        phone.open(url)
        data = {**phone.hidden(), "action": "send"}
        data["state"] = data["state"][:-2] + "xx"
        forged = phone.client.post(phone.path, data=data, headers={"Origin": running.url})
        assert forged.status_code == 400
        # without the form's CSRF cookie, or from another site: refused
        bare = httpx.post(running.url + phone.path, data={**phone.hidden(), "action": "send"})
        assert bare.status_code == 403
        foreign = phone.client.post(phone.path, data={**phone.hidden(), "action": "send"},
                                    headers={"Origin": "http://evil.example"})
        assert foreign.status_code == 403
        assert stored(running) == []
        # reused: rated once, then the same link from a second phone
        phone.tap("answer:5")
        phone.tap("send")
        second = Phone(running.url)
        assert second.open(url).status_code == 409
        second.close()
        assert len(stored(running)) == 1
    finally:
        phone.close()


def test_a_link_made_through_the_api_by_a_linker_works_the_same(running: RunningHub) -> None:
    accounts = Accounts(running.hub.store.engine)
    secret = accounts.create_token("mot-cua", "linker", ["ubnd-a"])
    headers = {"Authorization": f"Bearer {secret}"}
    body = {"office": "ubnd-a", "counter": "q3", "stage": "receive", "h": H}
    with httpx.Client(base_url=running.url, headers=headers, timeout=30) as client:
        made = client.post("/api/v1/links", json=body)
        assert made.status_code == 200, made.text
        document = made.json()
        assert document["url"].startswith(running.url + "/r/")
        assert datetime.fromisoformat(document["expires"]) > datetime.now(UTC) + timedelta(days=29)
        # scoped: another office, or reading scores, is refused
        assert client.post("/api/v1/links", json={**body, "office": "ubnd-b"}).status_code == 403
        assert client.get("/api/v1/offices/ubnd-a/scores").status_code == 403
        assert client.post("/api/v1/links", json={**body, "h": "nope"}).status_code == 422
    phone = Phone(running.url)
    try:
        phone.open(document["url"])
        phone.tap("answer:4")
        phone.tap("send")
        assert phone.heading() == "Cảm ơn Ông/Bà!"
    finally:
        phone.close()
    rows = stored(running)
    assert [(r["channel"], r["stage"], r["receipt_h"]) for r in rows] == [("web", "receive", H)]
    with httpx.Client(base_url=running.url, headers=headers, timeout=30) as client:
        again = client.post("/api/v1/links", json=body)
        assert again.status_code == 409
        # a missing stage is the same moment as receive, as on the kiosk
        assert client.post("/api/v1/links", json={**body, "stage": None}).status_code == 409
        assert client.post("/api/v1/links", json={**body, "stage": "result"}).status_code == 200


@pytest.fixture
def poster_hub(tmp_path: Path, broker: Broker) -> Iterator[RunningHub]:
    hub = web_hub(tmp_path, broker, web="poster_per_client = 4\nposter_per_poster = 6",
                  client_id="hailong-hub-posters")
    yield hub
    hub.stop()


def rate_on_poster(hub: RunningHub, url: str, address: str) -> int:
    phone = Phone(hub.url, address)
    try:
        phone.open(url)
        phone.tap("answer:5")
        return phone.tap("send").status_code
    finally:
        phone.close()


def test_a_poster_flood_is_limited_per_phone_and_per_poster_and_flagged(
        poster_hub: RunningHub) -> None:
    url = poster_hub.hub.web.poster_url("ubnd-a", "q3")
    first = [rate_on_poster(poster_hub, url, "203.0.113.7") for _ in range(5)]
    assert first == [200, 200, 200, 200, 429]  # the fifth from one phone within the hour
    second = [rate_on_poster(poster_hub, url, "203.0.113.8") for _ in range(3)]
    assert second == [200, 200, 429]  # the poster's own limit: six an hour
    rows = stored(poster_hub)
    assert len(rows) == 6
    assert {(r["channel"], r["kiosk"], r["receipt_h"], r["stage"]) for r in rows} == {
        ("web-poster", "web-poster", None, None)}
    # no address is kept with a response: nothing in the rows names one
    assert not any("203.0.113" in json.dumps(r, default=str) for r in rows)
    status, flags = poster_hub.get("/api/v1/offices/ubnd-a/flags")
    assert status == 200
    assert [(b["kiosk"], b["count"]) for b in flags["bursts"]] == [("web-poster", 6)]
    status, channels = poster_hub.get("/api/v1/offices/ubnd-a/channels")
    assert status == 200 and "web-poster" in channels["channels"]
    status, scores = poster_hub.get("/api/v1/offices/ubnd-a/scores?channel=web-poster")
    assert status == 200 and scores["responses"] == 6
    # the office's pages name the channel in Vietnamese, beside the kiosk
    Accounts(poster_hub.hub.store.engine).add_user("root", "admin", [], "mật khẩu đủ dài")
    with httpx.Client(base_url=poster_hub.url, timeout=30) as browser:
        sign_in(browser, "root", "mật khẩu đủ dài")
        for path in ("/offices/ubnd-a/channels", "/offices/ubnd-a"):
            page = browser.get(path)
            assert page.status_code == 200 and "điện thoại (áp phích tại quầy)" in page.text, path


def test_a_dossier_rated_at_the_kiosk_gets_no_link_and_its_open_form_is_refused(
        running: RunningHub, broker: Broker) -> None:
    h = receipt_h("H21.65-221114-0009")
    early = link(running, h, "result")  # handed out before the kiosk rating arrives
    phone = Phone(running.url)
    kiosk = RawClient(broker.url)
    try:
        phone.open(early)
        rated = {**response(receipt={"h": h, "unit": "H21.65", "date": "2022-11-14"}),
                 "stage": "result"}
        kiosk.publish(kiosk_topic("ubnd-a", "k01", "response"), contract.encode(rated))
        wait_until(lambda: running.hub.ingestor.counters.stored == 1, message="the kiosk rating")
        refused = phone.tap("answer:5")  # the form opened before: refused, nothing stored
        assert refused.status_code == 409 and "đã được đánh giá" in refused.text
        with pytest.raises(LinkRefusal) as refusal:
            link(running, h, "result")
        assert refusal.value.error == "already-rated"
        assert link(running, h, "receive")  # the other moment of the dossier is still open
        assert [r["channel"] for r in stored(running)] == ["kiosk"]
    finally:
        kiosk.close()
        phone.close()
