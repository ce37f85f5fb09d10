"""One rating end to end over a real Mosquitto: kiosk → broker → hub → database → API → ack."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from hailong import contract
from hailong.broker import Broker, free_port
from hailong.topics import kiosk_topic, office_topic
from kiosk.recorder import ResponseDesk
from tests.support import (
    PATIENCE,
    PROMPTLY,
    OutputLines,
    RawClient,
    RunningHub,
    cli_token,
    http_get,
    hub_process,
    hub_settings,
    interrupt,
    like_a_terminal,
    port_open,
    sign_in,
    wait_until,
)
from tests.support.hubdata import response
from tests.support.kiosk import draft, kiosk_settings


def acks(client: RawClient, topic: str) -> list[dict[str, object]]:
    return [json.loads(p) for p in client.received(topic)]


def test_a_rating_travels_from_kiosk_to_api_and_the_kiosk_gets_its_ack(
        tmp_path: Path, broker: Broker, hub: RunningHub) -> None:
    watcher = RawClient(broker.url, subscribe=(office_topic("ubnd-a", "scores"),
                                               kiosk_topic("ubnd-a", "k01", "ack")))
    service = ResponseDesk(kiosk_settings(tmp_path / "kiosk", broker.url), "sipas@1")
    service.start()
    try:
        stored = service.submit(draft(overall=5))
        assert stored["seq"] == 1
        wait_until(lambda: service.outbox.stats().depth == 0, message="the hub's ack")
        ack = acks(watcher, kiosk_topic("ubnd-a", "k01", "ack"))
        assert any(stored["id"] in a["ids"] for a in ack)

        status, scores = hub.get("/api/v1/offices/ubnd-a/scores")
        assert status == 200
        assert scores["responses"] == 1
        assert scores["questions"]["overall"]["n"] == 1
        assert scores["questions"]["overall"]["dist"] == [0, 0, 0, 0, 1]
        assert scores["questions"]["overall"]["satisfied"] == 1.0
        assert scores["questions"]["access"]["mean"] == 4.0
        contract.validate("scores", scores)

        status, offices = hub.get("/api/v1/offices")
        assert status == 200 and [o["id"] for o in offices["offices"]] == ["ubnd-a"]
        assert offices["offices"][0]["registered"] is False

        live = wait_until(lambda: watcher.received(office_topic("ubnd-a", "scores")),
                          message="the retained scores message")
        assert json.loads(live[-1]) == scores
    finally:
        service.stop()
        watcher.close()


def test_a_duplicate_is_stored_once_and_acked_again(broker: Broker, hub: RunningHub) -> None:
    client = RawClient(broker.url, subscribe=(kiosk_topic("ubnd-a", "k01", "ack"),))
    document = response(overall=2)
    payload = contract.encode(document)
    for _ in range(3):
        client.publish(kiosk_topic("ubnd-a", "k01", "response"), payload)
    wait_until(lambda: hub.hub.ingestor.counters.settled == 3, message="all three copies settled")
    wait_until(lambda: any(document["id"] in a["ids"]
                           for a in acks(client, kiosk_topic("ubnd-a", "k01", "ack"))),
               message="the ack")
    assert hub.hub.store.read.response_ids("ubnd-a") == [document["id"]]
    _, scores = hub.get("/api/v1/offices/ubnd-a/scores")
    assert scores["responses"] == 1 and scores["questions"]["overall"]["dist"] == [0, 1, 0, 0, 0]
    assert hub.hub.ingestor.counters.duplicates == 2
    assert hub.hub.ingestor.counters.stored == 1
    # resent later, on its own: acked again, still stored once
    client.publish(kiosk_topic("ubnd-a", "k01", "response"), payload)
    wait_until(lambda: hub.hub.ingestor.counters.duplicates == 3, message="the late copy")
    wait_until(lambda: sum(document["id"] in a["ids"]
                           for a in acks(client, kiosk_topic("ubnd-a", "k01", "ack"))) >= 2,
               message="a second ack")
    assert hub.hub.store.read.response_ids("ubnd-a") == [document["id"]]
    client.close()


def test_bad_messages_are_rejected_with_reasons_and_the_hub_keeps_serving(
        broker: Broker, hub: RunningHub) -> None:
    ack_topic = kiosk_topic("ubnd-a", "k01", "ack")
    client = RawClient(broker.url, subscribe=(ack_topic,))
    topic = kiosk_topic("ubnd-a", "k01", "response")
    bad_field = response(overall=9)
    mismatch = response(kiosk="k02")
    first = response(overall=5)
    conflict = {**first, "answers": {"overall": 1}}
    client.publish(topic, contract.encode(bad_field))
    client.publish(topic, b'{"v": 1, "id": ')
    client.publish(topic, contract.encode(mismatch))
    client.publish(topic, b'{"pad": "' + b"x" * 20000 + b'"}')
    client.publish(topic, b"\xff\xfe not utf-8")
    client.publish(topic, contract.encode(first))
    client.publish(topic, contract.encode(conflict))
    good = response(overall=4)
    client.publish(topic, contract.encode(good))

    wait_until(lambda: any(good["id"] in a["ids"] for a in acks(client, ack_topic)),
               message="the good response's ack")
    refused = {r["id"]: r["reason"] for a in acks(client, ack_topic) for r in a["rejected"]}
    assert "answers.overall" in refused[bad_field["id"]]
    assert "differ from the topic" in refused[mismatch["id"]]
    assert refused[first["id"]].startswith("conflict")
    accepted = {i for a in acks(client, ack_topic) for i in a["ids"]}
    assert bad_field["id"] not in accepted and mismatch["id"] not in accepted

    status, listing = hub.get("/api/v1/rejected")
    assert status == 200
    assert listing["total"] == 6
    reasons = [item["reason"] for item in listing["items"]]
    assert any("not JSON" in r for r in reasons)
    assert any("over the 16384-byte limit" in r for r in reasons)
    assert any("not UTF-8" in r for r in reasons)
    assert any(r.startswith("conflict") for r in reasons)
    binary = next(i for i in listing["items"] if "not UTF-8" in i["reason"])
    assert binary["payload_encoding"] == "base64"
    assert all(item["topic"] == topic and item["received_at"] for item in listing["items"])
    # newest first
    assert listing["items"][0]["reason"].startswith("conflict")

    assert sorted(hub.hub.store.read.response_ids()) == sorted([first["id"], good["id"]])
    _, scores = hub.get("/api/v1/offices/ubnd-a/scores")
    assert scores["questions"]["overall"]["dist"] == [0, 0, 0, 1, 1]  # the first of the conflict
    assert hub.get("/healthz")[0] == 200
    client.close()


def test_api_errors_are_json_with_the_parameter(hub: RunningHub) -> None:
    status, body = hub.get("/api/v1/offices/nowhere/scores")
    assert status == 404 and body["parameter"] == "office"
    hub.hub.store.apply_roster(_roster("ubnd-b"))
    for query, parameter in [("from=2026-13-01", "from"), ("from=yesterday", "from"),
                             ("from=2026-11-10&to=2026-11-01", "to")]:
        status, body = hub.get(f"/api/v1/offices/ubnd-b/scores?{query}")
        assert status == 400, query
        assert body["parameter"] == parameter and body["error"]
    status, body = hub.get("/api/v1/offices/ubnd-b/scores?from=2026-11-01&to=2026-11-30")
    assert status == 200 and body["from"] == "2026-11-01" and body["responses"] == 0
    assert body["questions"] == {}
    status, body = hub.get("/api/v1/rejected?limit=0")
    assert status == 400 and body["parameter"] == "limit"


def _roster(office: str):  # type: ignore[no-untyped-def]
    from hub.roster import Office, Roster

    return Roster(offices=[Office(id=office, name="B")])


def test_the_hub_keeps_its_session_across_a_restart_and_stops_promptly(
        tmp_path: Path, broker: Broker) -> None:
    settings = hub_settings(tmp_path, broker.url, client_id="hailong-hub-restart")
    config = tmp_path / "hub.toml"
    auth = {"Authorization": f"Bearer {cli_token(config)}"}
    process = hub_process(config, capture=True)
    url = f"http://127.0.0.1:{settings.http.port}"
    wait_until(lambda: port_open(settings.http.port), message="the hub's web server")
    wait_until(lambda: http_get(url + "/healthz")[1].get("mqtt"), message="MQTT connected")

    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    assert process.wait(PATIENCE) == 0
    assert time.monotonic() - started < PROMPTLY, "the hub must stop within a few seconds"

    client = RawClient(broker.url)
    waiting = response(office="ubnd-c", overall=3)
    client.publish(kiosk_topic("ubnd-c", "k01", "response"), contract.encode(waiting))
    client.close()

    process = hub_process(config, capture=True)
    try:
        wait_until(lambda: port_open(settings.http.port), message="the hub again")
        body = wait_until(
            lambda: (lambda r: r[1] if r[0] == 200 and r[1]["responses"] else None)(
                http_get(url + "/api/v1/offices/ubnd-c/scores", auth)),
            message="the response published while the hub was down")
        assert body["questions"]["overall"]["dist"] == [0, 0, 1, 0, 0]
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(PATIENCE) == 0
        output = process.stdout.read().decode() if process.stdout else ""
        assert "Traceback" not in output, output


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_demo_runs_everything_and_ctrl_c_leaves_no_orphan(tmp_path: Path, broker: Broker) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAILONG_")}
    env.update({"HAILONG_HTTP_PORT": str(port), "HAILONG_DATA_DIR": str(tmp_path),
                "HAILONG_DEMO_INTERVAL": "0.3"})
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    demo = subprocess.Popen([sys.executable, "-m", "hailong", "demo", "--kiosks", "2"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            preexec_fn=like_a_terminal)
    lines = OutputLines(demo)
    try:
        wait_until(lambda: port_open(port), 30, message="the demo's hub")
        password = wait_until(lambda: lines.match(r"sign in as admin with the password (\S+)"),
                              30, message="the demo admin's password")
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as browser:
            assert browser.get("/api/v1/offices/demo/scores").status_code == 401
            assert sign_in(browser, "admin", password).status_code == 200
            body = wait_until(
                lambda: (lambda r: r.json() if r.status_code == 200 and r.json()["responses"] >= 3
                         else None)(browser.get("/api/v1/offices/demo/scores")),
                30, message="simulated ratings on the page")
            assert body["questions"]["overall"]["n"] >= 1
            page = browser.get("/offices/demo")
            assert page.status_code == 200 and 'id="satisfied-today"' in page.text
        children = _children(demo.pid)
        assert len(children) >= 3  # broker, hub, simulated kiosks
    finally:
        code = interrupt(demo, lines)
    output = lines.text()
    assert code == 0, output
    assert "no display found" in output
    assert "Traceback" not in output, output
    wait_until(lambda: not any(_alive(pid) for pid in children), message="no orphan left")
    assert not port_open(port)
    # The printed hint works from a plain shell: the file names the database the hub used,
    # whatever HAILONG_DATA_DIR said when the demo ran (issue 16, item 9).
    plain = {k: v for k, v in os.environ.items() if not k.startswith("HAILONG_")}
    users = subprocess.run([sys.executable, "-m", "hailong", "hub", "user", "list", "--config",
                            str(tmp_path / "demo" / "hub.toml")], env=plain,
                           capture_output=True, text=True, timeout=60)
    assert users.returncode == 0 and "admin" in users.stdout, users.stdout + users.stderr
