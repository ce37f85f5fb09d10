"""Hub presence and status expiry over a real Mosquitto: kiosks hold while no hub is online,
deliver at once when one comes back, and their statuses carry a Message Expiry Interval."""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from hailong import contract
from hailong.broker import Broker
from hailong.topics import HUB_STATUS_FILTER, hub_status_topic, kiosk_topic
from kiosk.delivery import STATUS_EXPIRY
from kiosk.outbox import RESEND_FIRST
from kiosk.recorder import ResponseDesk
from tests.support import RawClient, RunningHub, SubAcks, hub_process, hub_settings, wait_until
from tests.support.hubdata import status
from tests.support.kiosk import draft, kiosk_settings

HUB_ID = "hailong-hub-test"  # tests.support.hub_settings' client id


def presences(watcher: RawClient, client_id: str = HUB_ID) -> list[str]:
    return [json.loads(p)["state"] for p in watcher.received(hub_status_topic(client_id))]


def test_the_hub_says_online_on_connect_and_offline_when_it_stops_or_dies(
        tmp_path: Path, broker: Broker) -> None:
    watcher = RawClient(broker.url, subscribe=(HUB_STATUS_FILTER,))
    hub = RunningHub(hub_settings(tmp_path / "hub", broker.url))
    wait_until(lambda: presences(watcher) == ["online"], message="online")
    # its status subscription (hailong/v1/+/+/status) matches its own presence: never a rejection.
    # A kiosk's status sent after it reaches the hub after it, so once that status is counted the
    # presence has had its turn.
    watcher.publish(kiosk_topic("ubnd-a", "k01", "status"), contract.encode(status()))
    wait_until(lambda: hub.hub.ingestor.counters.statuses == 1, message="the marker status")
    assert hub.get("/api/v1/rejected")[1]["total"] == 0 and hub.hub.ingestor.counters.received == 1
    hub.stop()
    wait_until(lambda: presences(watcher) == ["online", "offline"], message="offline")
    for payload in watcher.received(hub_status_topic(HUB_ID)):
        contract.validate("presence", json.loads(payload))

    # killed: the broker publishes its last will, retained, for whoever subscribes later
    hub_settings(tmp_path / "killed", broker.url, client_id="hub-killed")
    process = hub_process(tmp_path / "killed" / "hub.toml")
    try:
        wait_until(lambda: presences(watcher, "hub-killed") == ["online"], 30, message="online")
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    wait_until(lambda: presences(watcher, "hub-killed") == ["online", "offline"],
               message="the will")
    watcher.close()
    late = RawClient(broker.url, subscribe=(HUB_STATUS_FILTER,))
    wait_until(lambda: presences(late, "hub-killed") == ["offline"], message="retained")
    assert presences(late) == ["offline"]
    late.close()


def test_a_kiosk_holds_while_the_hub_is_away_and_delivers_at_once_when_it_returns(
        tmp_path: Path, broker: Broker) -> None:
    settings = hub_settings(tmp_path / "hub", broker.url)
    RunningHub(settings).stop()  # the hub was here once: its presence now says "offline"
    status_topic = kiosk_topic("ubnd-a", "k01", "status")
    spy = RawClient(broker.url, subscribe=(kiosk_topic("ubnd-a", "k01", "response"), status_topic))
    service = ResponseDesk(kiosk_settings(tmp_path / "kiosk", broker.url), "sipas@2")
    service.start()
    try:
        wait_until(lambda: service.publisher.connected, message="the kiosk")
        wait_until(lambda: not service.delivery.hub_online, message="the hub's absence")
        stored = [service.submit(draft(overall=n)) for n in (2, 5)]
        # The delivery round that would send them publishes the kiosk's status after them, on the
        # same connection: a status counting both in the outbox means that round sent nothing.
        wait_until(lambda: any(json.loads(p)["outbox"] == 2 for p in spy.received(status_topic)),
                   message="a status with both responses waiting")
        assert spy.received(kiosk_topic("ubnd-a", "k01", "response")) == []
        assert service.delivery.sent == 0 and service.outbox.stats().depth == 2

        hub = RunningHub(settings)
        started = time.monotonic()
        try:
            wait_until(lambda: service.outbox.stats().depth == 0, message="delivery")
            assert time.monotonic() - started < RESEND_FIRST  # promptly, not at a resend time-out
            assert sorted(hub.hub.store.read.response_ids("ubnd-a")) == sorted(s["id"] for s in stored)
        finally:
            hub.stop()
    finally:
        service.stop()
        spy.close()


def test_a_response_sent_before_the_hub_left_is_resent_as_soon_as_a_hub_returns(
        tmp_path: Path, broker: Broker, caplog: pytest.LogCaptureFixture) -> None:
    """Its resend timer stood still while no hub was online: the hub's return makes it due."""
    caplog.set_level(logging.INFO, logger="kiosk.delivery")
    fake_hub = RawClient(broker.url, client_id="presence-only")  # says online, never acks
    topic = hub_status_topic("elsewhere")
    fake_hub.publish(topic, contract.encode({"v": 1, "state": "online"}), retain=True)
    spy = RawClient(broker.url, subscribe=(kiosk_topic("ubnd-a", "k01", "response"),))
    service = ResponseDesk(kiosk_settings(tmp_path / "kiosk", broker.url), "sipas@2")
    service.start()
    try:
        stored = service.submit(draft())
        wait_until(lambda: spy.received(kiosk_topic("ubnd-a", "k01", "response")),
                   message="the first send")
        fake_hub.publish(topic, contract.encode({"v": 1, "state": "offline"}), retain=True)
        wait_until(lambda: not service.delivery.hub_online, message="offline")
        fake_hub.publish(topic, contract.encode({"v": 1, "state": "online"}), retain=True)
        # the hub's return, not the resend timer (RESEND_FIRST), made it due again
        wait_until(lambda: "1 response(s) due again" in caplog.text, message="the response due")
        wait_until(lambda: len(spy.received(kiosk_topic("ubnd-a", "k01", "response"))) >= 2,
                   message="the resend")
        copies = spy.received(kiosk_topic("ubnd-a", "k01", "response"))
        assert {json.loads(p)["id"] for p in copies} == {stored["id"]}
        # a cleared presence is forgotten: with no hub known, the kiosk assumes one is there
        fake_hub.publish(topic, contract.encode({"v": 1, "state": "offline"}), retain=True)
        wait_until(lambda: not service.delivery.hub_online, message="offline again")
        fake_hub.publish(topic, b"", retain=True)
        wait_until(lambda: service.delivery.hub_online, message="unknown = online")
    finally:
        service.stop()
        spy.close()
        fake_hub.close()


class _PropertiesSpy:
    """A paho client that keeps each message's MQTT 5 properties (RawClient keeps payloads)."""

    def __init__(self, broker: Broker, topic: str) -> None:
        self.got: list[tuple[bytes, int | None]] = []
        self._lock = threading.Lock()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        self.client.on_message = self._on_message
        subacks = SubAcks(self.client)
        self.client.connect("127.0.0.1", broker.port)
        self.client.loop_start()
        subacks.subscribe(topic)

    def _on_message(self, _c: object, _u: object, message: mqtt.MQTTMessage) -> None:
        expiry = getattr(message.properties, "MessageExpiryInterval", None)
        with self._lock:
            self.got.append((bytes(message.payload), expiry))

    def states(self) -> list[tuple[str, int | None]]:
        with self._lock:
            return [(json.loads(p)["state"], e) for p, e in self.got if p]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def test_statuses_expire_after_three_heartbeats_and_the_offline_one_never(
        tmp_path: Path, broker: Broker) -> None:
    assert STATUS_EXPIRY == 180
    live = _PropertiesSpy(broker, kiosk_topic("ubnd-a", "k01", "status"))
    service = ResponseDesk(kiosk_settings(tmp_path / "kiosk", broker.url), "sipas@2")
    service.start()
    try:
        wait_until(lambda: live.states(), message="a status")
        state, expiry = live.states()[0]
        assert state == "online" and expiry is not None and 170 <= expiry <= STATUS_EXPIRY
    finally:
        service.stop()
    wait_until(lambda: any(s == "offline" for s, _ in live.states()), message="offline")
    live.close()
    later = _PropertiesSpy(broker, kiosk_topic("ubnd-a", "k01", "status"))
    wait_until(lambda: later.states(), message="the retained status")
    assert later.states() == [("offline", None)]
    later.close()
