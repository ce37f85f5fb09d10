"""The kiosk's MQTT link; the only kiosk module that imports paho.

It connects (and reconnects, backing off up to 30 s) to the broker, leaves a retained "offline"
status as its last will (with no expiry: "offline" stays until the kiosk is back), subscribes to
the kiosk's own ``ack`` and ``config`` topics, the hubs' presence, with ``[kiosk]
show_results`` its office's retained ``results``, and the topics it is given (the web
channel's ``link`` and ``rated``), and turns each incoming paho message into a plain
:class:`Incoming` for the delivery loop, the idle line or the phone links.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from hailong.mqttsetup import set_up_client
from hailong.settings import MqttSettings
from hailong.topics import HUB_STATUS_FILTER, kiosk_topic, office_topic

log = logging.getLogger(__name__)

# Reconnect starts after 1 s and doubles up to 30 s: quick after a blip, gentle on a broker
# that thousands of kiosks reconnect to after a province-wide outage.
RECONNECT_MIN = 1
RECONNECT_MAX = 30
# The broker keeps this kiosk's session (its ack subscription and queued acks) for a day, so
# acks sent during a short disconnection are not lost (resends would recover them anyway).
SESSION_EXPIRY = 24 * 3600
# paho's own in-flight limit for QoS 1; the delivery loop's window keeps us well below it.
PAHO_MAX_INFLIGHT = 100


@dataclass(frozen=True, slots=True)
class Incoming:
    topic: str
    payload: bytes
    retain: bool


class MqttPublisher:
    def __init__(self, settings: MqttSettings, office: str, kiosk: str, will: bytes,
                 on_message: Callable[[Incoming], None],
                 on_connected: Callable[[], None] | None = None, results: bool = False,
                 topics: tuple[str, ...] = ()) -> None:
        self.office = office
        self._results = results  # [kiosk] show_results: subscribe to the office's results
        self._topics = topics  # subscribed too, beside ack, config and hub presence
        self.kiosk = kiosk
        self._on_message = on_message
        self._on_connected = on_connected
        self._connected = threading.Event()
        self._stopping = False
        self._settings = settings
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"hailong-{office}-{kiosk}",
                             protocol=mqtt.MQTTv5)
        set_up_client(client, settings, kiosk_topic(office, kiosk, "status"), will,
                      (RECONNECT_MIN, RECONNECT_MAX), PAHO_MAX_INFLIGHT,
                      (self._handle_connect, self._handle_disconnect, self._handle_message))
        self._client = client

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    def start(self) -> None:
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = SESSION_EXPIRY
        self._client.connect_async(self._settings.host, self._settings.port,
                                   keepalive=self._settings.keepalive, clean_start=False,
                                   properties=props)
        self._client.loop_start()

    def stop(self, farewell: bytes | None = None) -> None:
        """Disconnect; ``farewell`` (the offline status) is published first, as the will would be."""
        if farewell is not None and self.connected:
            info = self._client.publish(kiosk_topic(self.office, self.kiosk, "status"), farewell,
                                        qos=1, retain=True)
            with contextlib.suppress(RuntimeError, ValueError):
                info.wait_for_publish(timeout=2)
        self._stopping = True
        self._client.disconnect()
        self._client.loop_stop()

    def publish(self, topic: str, payload: bytes, retain: bool = False,
                expiry: int | None = None) -> bool:
        """Queue a QoS 1 message, dropped by the broker after ``expiry`` seconds if given (MQTT 5
        Message Expiry Interval); False when the client cannot take it now."""
        props = None
        if expiry is not None:
            props = Properties(PacketTypes.PUBLISH)
            props.MessageExpiryInterval = expiry
        info = self._client.publish(topic, payload, qos=1, retain=retain, properties=props)
        return info.rc == mqtt.MQTT_ERR_SUCCESS

    def _handle_connect(self, client: mqtt.Client, _userdata: object, _flags: object,
                        reason: mqtt.ReasonCode, _props: object) -> None:
        if reason.is_failure:
            log.warning("broker refused the connection: %s", reason)
            return
        topics = [(kiosk_topic(self.office, self.kiosk, "ack"), 1),
                  (kiosk_topic(self.office, self.kiosk, "config"), 1), (HUB_STATUS_FILTER, 1),
                  *((topic, 1) for topic in self._topics)]
        if self._results:
            topics.append((office_topic(self.office, "results"), 1))
        client.subscribe(topics)
        self._connected.set()
        log.info("connected to %s", self._settings.effective_url)
        if self._on_connected is not None:
            self._on_connected()

    def _handle_disconnect(self, _client: mqtt.Client, _userdata: object, _flags: object,
                           reason: mqtt.ReasonCode, _props: object) -> None:
        if self._connected.is_set() and not self._stopping:
            log.warning("disconnected from the broker (%s); reconnecting", reason)
        self._connected.clear()

    def _handle_message(self, _client: mqtt.Client, _userdata: object,
                        message: mqtt.MQTTMessage) -> None:
        try:
            self._on_message(Incoming(message.topic, bytes(message.payload), bool(message.retain)))
        except Exception:  # a bad message must never stop the network loop
            log.exception("could not handle a message on %s", message.topic)
