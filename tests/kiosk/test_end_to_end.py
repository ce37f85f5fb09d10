"""The kiosk against a real Mosquitto and the real hub: keys to scores, outages, kill -9, config."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from hailong import contract
from hailong.broker import Broker
from hailong.topics import kiosk_topic
from tests.support import PATIENCE, RawClient, RunningHub, wait_until
from tests.support.kiosk import kiosk_settings, running_app


def test_answers_given_by_key_events_arrive_at_the_hub(tmp_path: Path, broker: Broker,
                                                        hub: RunningHub) -> None:
    with running_app(kiosk_settings(tmp_path, broker.url), connect=True) as drive:
        drive.keys("\n" "2" "1" "8" "\n" "4" "3" "5" "0" "4" "2" "2" "1" "7" "\n" "2")
        assert drive.app.state.screen == "thanks"
        wait_until(lambda: drive.app.desk.stats().depth == 0, message="the ack")
    status, scores = hub.get("/api/v1/offices/ubnd-a/scores")
    assert status == 200 and scores["responses"] == 1
    questions = scores["questions"]
    assert questions["overall"]["dist"] == [0, 1, 0, 0, 0]
    assert questions["access"]["mean"] == 4 and questions["procedure"]["mean"] == 3
    assert questions["officer"]["mean"] == 5 and questions["feedback"]["mean"] == 4
    assert "result" not in questions or questions["result"]["n"] == 0


def test_200_responses_given_while_the_broker_is_down_arrive_exactly_once(
        tmp_path: Path, broker: Broker, hub: RunningHub) -> None:
    with running_app(kiosk_settings(tmp_path, broker.url), connect=True) as drive:
        app = drive.app
        wait_until(lambda: app.desk.connected, message="kiosk connected")
        broker.stop()
        wait_until(lambda: not app.desk.connected, message="kiosk sees it")
        for index in range(200):
            drive.key("enter")
            drive.key(str(index % 5 + 1))
            drive.step(31)  # the citizen walks away: kept, incomplete
            drive.step(6)  # the thank-you ends
        assert app.desk.stats().depth == 200
        ids = {row["id"] for row in app.stored[-100:]}
        broker.start()
        wait_until(lambda: app.desk.stats().depth == 0, 90, interval=0.2,
                   message="the backlog delivered")
    stored = hub.hub.store.read.response_ids("ubnd-a")
    assert len(stored) == 200 == len(set(stored))
    assert ids <= set(stored)
    _, scores = hub.get("/api/v1/offices/ubnd-a/scores")
    assert scores["responses"] == 200 and scores["questions"]["overall"]["dist"] == [40] * 5


def _kiosk_config(tmp: Path, broker: Broker) -> Path:
    path = tmp / "kiosk.toml"
    path.write_text(f'[kiosk]\noffice = "ubnd-a"\nid = "k09"\nreceipt_key = "k"\n'
                    f'min_interval = 0\n\n[mqtt]\nurl = "{broker.url}"\n\n'
                    f'[data]\ndir = "{tmp}"\n', encoding="utf-8")
    return path


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAILONG_")}
    env.update({"SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy",
                "PYGAME_HIDE_SUPPORT_PROMPT": "1"})
    return env


def test_a_kiosk_killed_right_after_thank_you_delivers_after_restart(
        tmp_path: Path, broker: Broker, hub: RunningHub) -> None:
    config = _kiosk_config(tmp_path, broker)
    broker.stop()  # so the response can only reach the hub from the kiosk's disk
    log = (tmp_path / "driver.log").open("w")
    driver = subprocess.Popen([sys.executable, "-m", "tests.support.kiosk_driver", str(config)],
                              env=_env(), stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        line = ""
        deadline = time.monotonic() + 60
        while not line.startswith("THANKS ") and time.monotonic() < deadline:
            line = driver.stdout.readline() if driver.stdout else ""
            if not line and driver.poll() is not None:
                break
        assert line.startswith("THANKS "), (tmp_path / "driver.log").read_text()
        response_id = line.split()[1]
        driver.send_signal(signal.SIGKILL)
        driver.wait(10)
    finally:
        if driver.poll() is None:
            driver.kill()
            driver.wait()
        log.close()
    broker.start()

    notify = tmp_path / "notify.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(str(notify))
    listener.settimeout(PATIENCE)  # the bound on start-up: bench/kiosk.py times it
    kiosk = subprocess.Popen([sys.executable, "-m", "hailong", "kiosk", "run", "--config",
                              str(config), "--windowed", "800x480"],
                             env={**_env(), "NOTIFY_SOCKET": str(notify)},
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert listener.recv(100) == b"READY=1"  # systemd's readiness, once the idle screen is up
        wait_until(lambda: response_id in hub.hub.store.read.response_ids("ubnd-a"), 30,
                   message="the response stored before the kill")
        kiosk.send_signal(signal.SIGTERM)
        assert kiosk.wait(PATIENCE) == 0
    finally:
        if kiosk.poll() is None:
            kiosk.kill()
            kiosk.wait()
        listener.close()
    output = kiosk.stdout.read() if kiosk.stdout else ""
    assert "Traceback" not in output, output
    assert hub.hub.store.read.response_ids("ubnd-a") == [response_id]


def test_a_bad_pushed_config_is_refused_and_reported_and_a_good_one_applied(
        tmp_path: Path, broker: Broker) -> None:
    status_topic = kiosk_topic("ubnd-a", "k01", "status")
    config_topic = kiosk_topic("ubnd-a", "k01", "config")
    watcher = RawClient(broker.url, subscribe=(status_topic,))

    def last_config() -> dict[str, object] | None:
        messages = watcher.received(status_topic)
        if not messages:
            return None
        document = json.loads(messages[-1])
        contract.validate("status", document)
        return document.get("config")

    try:
        with running_app(kiosk_settings(tmp_path, broker.url), connect=True) as drive:
            app = drive.app
            wait_until(lambda: app.desk.connected, message="connected")
            watcher.publish(config_topic, contract.encode(
                {"v": 1, "version": "bad-1", "settings": {"idle_timeout": 1}}), retain=True)
            report = wait_until(lambda: (last_config() or {}).get("state") == "refused"
                                and last_config(), message="the refusal in the status")
            assert report["version"] == "bad-1"
            assert "[kiosk] idle_timeout: expected greater than or equal to 5" in report["error"]
            drive.step(1)
            assert app.settings.kiosk.idle_timeout == 20  # the previous config is kept
            watcher.publish(config_topic, contract.encode(
                {"v": 1, "version": "good-2", "settings": {"idle_timeout": 60}}), retain=True)
            wait_until(lambda: app.keeper.status() == {"version": "good-2", "state": "pending",
                                                       "error": None}, message="pending")
            drive.step(1)  # the idle screen: applied now
            assert app.settings.kiosk.idle_timeout == 60
            wait_until(lambda: (last_config() or {}).get("state") == "applied",
                       message="applied in the status")
    finally:
        watcher.publish(config_topic, b"", retain=True)
        watcher.close()
