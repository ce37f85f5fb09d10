"""The hub's MQTT link on a real Mosquitto: what its lean PUBLISH path and paho's own path deliver
is the same Message, and a batch's acks settle every message with the broker."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from hailong.settings import MqttSettings
from hailong.topics import hub_status_topic, kiosk_topic
from hub.ingest.subscriber import OFFLINE, ONLINE, Message, MqttSubscriber
from tests.support import RawClient, wait_until

if TYPE_CHECKING:
    from hailong.broker import Broker


def subscribed(kiosk: RawClient, count: int) -> bool:
    """The hub says "online" after it subscribes (on the same connection, so in that order)."""
    return kiosk.received(hub_status_topic("hub-link-test")).count(ONLINE) >= count


def test_messages_with_and_without_properties_arrive_alike_and_acks_settle_them(
        broker: Broker) -> None:
    received: list[Message] = []
    lock = threading.Lock()

    def collect(message: Message) -> None:
        with lock:
            received.append(message)

    kiosk = RawClient(broker.url, client_id="k-link",
                      subscribe=(hub_status_topic("hub-link-test"),))
    subscriber = MqttSubscriber(MqttSettings(url=broker.url), "hub-link-test", collect)
    subscriber.start()
    try:
        wait_until(lambda: subscribed(kiosk, 1), message="the hub subscribed")
        plain = kiosk_topic("ubnd-a", "k01", "response")
        tagged = kiosk_topic("ubnd-a", "k02", "response")
        props = Properties(PacketTypes.PUBLISH)
        props.MessageExpiryInterval = 3600  # a property: paho's own path reads this one
        props.UserProperty = ("origin", "test")
        kiosk.client.publish(plain, b'{"n":1}', qos=1).wait_for_publish(10)
        kiosk.client.publish(tagged, b'{"n":2}', qos=1, properties=props).wait_for_publish(10)
        kiosk.client.publish(plain, "ünïcode ✓".encode(), qos=1).wait_for_publish(10)
        wait_until(lambda: len(received) >= 3, message="three messages")
        by_payload = {m.payload: m for m in received}
        assert by_payload[b'{"n":1}'].topic == plain
        assert by_payload[b'{"n":2}'].topic == tagged
        assert by_payload["ünïcode ✓".encode()].topic == plain
        assert all(m.qos == 1 and not m.retain and m.mid > 0 for m in received)
        subscriber.ack_all(received)
        # Settled: after a reconnect of the same session the broker sends none of them again.
        subscriber.stop()
        wait_until(lambda: OFFLINE in kiosk.received(hub_status_topic("hub-link-test")),
                   message="the hub gone")
        again: list[Message] = []
        second = MqttSubscriber(MqttSettings(url=broker.url), "hub-link-test", again.append)
        second.start()
        wait_until(lambda: subscribed(kiosk, 2), message="the hub back")
        kiosk.client.publish(plain, b'{"n":4}', qos=1).wait_for_publish(10)
        wait_until(lambda: any(m.payload == b'{"n":4}' for m in again), message="the 4th")
        assert [m.payload for m in again] == [b'{"n":4}']
        second.stop()
    finally:
        kiosk.client.loop_stop()
        kiosk.client.disconnect()
