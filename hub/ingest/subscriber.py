"""The hub's MQTT link; the only hub module that imports paho.

A persistent session (fixed client id, clean start off, a session expiry) subscribed at QoS 1
to every kiosk's ``response`` and ``status`` topics, optionally through a shared subscription so
several hub workers split the load. Messages are acknowledged to the broker only after the
ingest has committed them (manual acks), so a hub killed mid-batch gets them again.

It also keeps the hub's presence, retained on ``hailong/v1/_hub/{client_id}/status``:
``{"v":1,"state":"online"}`` on every connect, ``offline`` as its last will and when it stops,
so kiosks hold their resends while no hub is there and resend at once when one comes back.
"""

from __future__ import annotations

import contextlib
import logging
import struct
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from hailong import contract
from hailong.mqttsetup import set_up_client
from hailong.settings import MqttSettings
from hailong.topics import hub_status_topic, kiosk_filter, parse_hub_status_topic

log = logging.getLogger(__name__)

# The broker keeps the hub's session, and queues what kiosks send, for a week while the hub is
# down: longer than any outage we plan for (the broker's queue limits are sized in deploy/).
SESSION_EXPIRY = 7 * 24 * 3600
RECONNECT_MIN = 1
RECONNECT_MAX = 10
# Outgoing acks and scores: a bounded in-flight window, unbounded queue (acks are small and each
# is needed).
MAX_INFLIGHT = 1000
# Bytes read from the socket at once: paho asks for one byte at a time for each packet's header.
READ_CHUNK = 64 * 1024
# How long stop() waits for the "offline" presence to reach the broker before disconnecting.
FAREWELL_WAIT = 2.0
ONLINE = contract.encode({"v": 1, "state": "online"})
OFFLINE = contract.encode({"v": 1, "state": "offline"})


@dataclass(frozen=True, slots=True)
class Message:
    """A received message, free of paho: what the ingest works with."""

    topic: str
    payload: bytes
    mid: int
    qos: int
    retain: bool
    # Set only by the hub's own web questionnaire (hub/web/rating_pages.py), which hands its
    # responses to the same ingest: the channel they count under, and who waits for the outcome
    # ("stored", "duplicate", "conflict" or "rejected: <reason>"). Broker messages keep None.
    channel: str | None = None
    settled: Callable[[str], None] | None = None


class _ChunkedClient(mqtt.Client):
    """paho reads every packet's fixed header a byte at a time, one system call per byte; under
    a backlog that is the hub's biggest single cost. This client reads the socket in chunks and
    serves paho's small reads from memory; paho's parsing, acks and state are untouched."""

    _chunk: bytes = b""
    _position = 0
    _chunk_socket: object = None

    def _sock_recv(self, bufsize: int) -> bytes:
        if self._sock is not self._chunk_socket:  # a new connection: nothing buffered is valid
            self._chunk, self._position, self._chunk_socket = b"", 0, self._sock
        if self._position >= len(self._chunk):
            data = super()._sock_recv(READ_CHUNK)
            if not data:
                return data
            self._chunk, self._position = data, 0
        part = self._chunk[self._position:self._position + bufsize]
        self._position += len(part)
        return part

    def ack_all(self, mids: list[int]) -> None:
        """The PUBACKs of a batch's QoS 1 messages queued as one write: paho's own ``ack``
        wakes its network thread and sends once per message, a cost as big as the message's."""
        if mids:
            packet = b"".join([_PUBACK.pack(mqtt.PUBACK, 2, mid) for mid in mids])
            self._packet_queue(mqtt.PUBACK, packet, 0, 0)

    # Set by MqttSubscriber: where a PUBLISH read by ``_handle_publish`` goes.
    deliver: Callable[[Message], None] | None = None

    def _handle_publish(self) -> mqtt.MQTTErrorCode:
        """A QoS 0/1 PUBLISH without MQTT 5 properties (what kiosks send) sliced straight into a
        :class:`Message`; paho builds an ``MQTTMessage`` and ``Properties`` and matches the topic
        against per-topic callbacks for each one, a third of its cost per message. Anything
        else (QoS 2, properties, a topic that is not UTF-8) goes through paho's own handler."""
        command, packet = self._in_packet["command"], self._in_packet["packet"]
        qos = (command & 0x06) >> 1
        deliver = self.deliver
        if deliver is None or qos == 2 or len(packet) < 2:
            return super()._handle_publish()  # type: ignore[no-any-return]
        end = 2 + ((packet[0] << 8) | packet[1])
        mid = 0
        if qos:
            mid, end = (packet[end] << 8) | packet[end + 1], end + 2
        if self._protocol == mqtt.MQTTv5:
            if packet[end] != 0:  # properties: paho reads them
                return super()._handle_publish()  # type: ignore[no-any-return]
            end += 1
        try:
            topic = bytes(packet[2:2 + ((packet[0] << 8) | packet[1])]).decode("utf-8")
        except UnicodeDecodeError:
            return super()._handle_publish()  # type: ignore[no-any-return]
        deliver(Message(topic, bytes(packet[end:]), mid, qos, bool(command & 0x01)))
        if qos == 1 and not self._manual_ack:
            return self._send_puback(mid)  # type: ignore[no-any-return]
        return mqtt.MQTT_ERR_SUCCESS

    def loop_read(self, max_packets: int = 1) -> mqtt.MQTTErrorCode:
        # paho reads one packet per wake-up unless it has messages in flight; what is already
        # buffered here would otherwise wait for the next select().
        while True:
            result = super().loop_read(max_packets)
            if result != mqtt.MQTT_ERR_SUCCESS or self._sock is None \
                    or self._position >= len(self._chunk):
                return result


# An MQTT PUBACK without reason code or properties (valid in 3.1.1 and 5: "success").
_PUBACK = struct.Struct("!BBH")
# Only where paho still has the methods this uses (they are not part of paho's public API).
_Client = _ChunkedClient if all(hasattr(mqtt.Client, name) for name in (
    "_sock_recv", "_packet_queue", "_handle_publish")) else mqtt.Client


class MqttSubscriber:
    def __init__(self, settings: MqttSettings, client_id: str,
                 on_message: Callable[[Message], None], shared_group: str = "") -> None:
        self._settings = settings
        self._on_message = on_message
        self._shared_group = shared_group
        self._connected = threading.Event()
        self.connections = 0  # accepted connections so far: a reconnection shows as a new one
        self._stopping = False
        client = _Client(CallbackAPIVersion.VERSION2, client_id=client_id,
                         protocol=mqtt.MQTTv5, manual_ack=True)
        self.presence_topic = hub_status_topic(client_id)
        # "offline" as the will stays until a hub says otherwise
        set_up_client(client, settings, self.presence_topic, OFFLINE,
                      (RECONNECT_MIN, RECONNECT_MAX), MAX_INFLIGHT,
                      (self._handle_connect, self._handle_disconnect, self._handle_message))
        self._client = client
        if isinstance(client, _ChunkedClient):
            client.deliver = self._received

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    def filters(self) -> list[str]:
        # link requests (the web channel, docs/web-channel.md): one worker answers each
        topics = [kiosk_filter("response"), kiosk_filter("status"), kiosk_filter("link-request")]
        if self._shared_group:
            # Statuses are small and retained: every worker reads them all (shared
            # subscriptions do not deliver retained messages).
            return [f"$share/{self._shared_group}/{topics[0]}", topics[1],
                    f"$share/{self._shared_group}/{topics[2]}"]
        return topics

    def start(self) -> None:
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = SESSION_EXPIRY
        # Let the broker send up to this many unacked messages: acks wait for a batch commit.
        props.ReceiveMaximum = 5000
        self._client.connect_async(self._settings.host, self._settings.port,
                                   keepalive=self._settings.keepalive, clean_start=False,
                                   properties=props)
        self._client.loop_start()

    def stop(self) -> None:
        """Say "offline" (a clean disconnect sends no will), then disconnect."""
        if self.connected:
            info = self._client.publish(self.presence_topic, OFFLINE, qos=1, retain=True)
            with contextlib.suppress(RuntimeError, ValueError):
                info.wait_for_publish(timeout=FAREWELL_WAIT)
        self._stopping = True
        self._client.disconnect()
        self._client.loop_stop()

    def ack(self, mid: int, qos: int) -> None:
        """Tell the broker a message is safely stored (only after the commit)."""
        if qos > 0:
            self._client.ack(mid, qos)

    def ack_all(self, messages: Iterable[Message]) -> None:
        """Tell the broker these messages are safely stored (only after the commit)."""
        messages = list(messages)
        if isinstance(self._client, _ChunkedClient):
            self._client.ack_all([m.mid for m in messages if m.qos == 1])
            messages = [m for m in messages if m.qos == 2]
        for message in messages:
            if message.qos > 0:
                self._client.ack(message.mid, message.qos)

    def publish(self, topic: str, payload: bytes, retain: bool = False) -> None:
        self._client.publish(topic, payload, qos=1, retain=retain)

    def _handle_connect(self, client: mqtt.Client, _userdata: object, flags: mqtt.ConnectFlags,
                        reason: mqtt.ReasonCode, _props: object) -> None:
        if reason.is_failure:
            log.error("broker refused the hub's connection: %s", reason)
            return
        # Subscribing again on a resumed session is harmless and picks up a changed filter.
        options = SubscribeOptions(qos=1)
        client.subscribe([(topic, options) for topic in self.filters()])
        if self._shared_group and flags.session_present:
            # A session that subscribed unshared before would get every response twice.
            client.unsubscribe([kiosk_filter("response"), kiosk_filter("link-request")])
        client.publish(self.presence_topic, ONLINE, qos=1, retain=True)
        self.connections += 1
        self._connected.set()
        log.info("hub connected to %s (session %s)", self._settings.effective_url,
                 "resumed" if flags.session_present else "new")

    def _handle_disconnect(self, _client: mqtt.Client, _userdata: object, _flags: object,
                           reason: mqtt.ReasonCode, _props: object) -> None:
        if self._connected.is_set() and not self._stopping:
            log.warning("hub disconnected from the broker (%s); reconnecting", reason)
        self._connected.clear()

    def _handle_message(self, _client: mqtt.Client, _userdata: object,
                        message: mqtt.MQTTMessage) -> None:
        self._received(Message(message.topic, bytes(message.payload), message.mid,
                               message.qos, bool(message.retain)))

    def _received(self, message: Message) -> None:
        if parse_hub_status_topic(message.topic) is not None:
            # hailong/v1/+/+/status also matches the hubs' own presence: not a kiosk's status
            self._client.ack(message.mid, message.qos)
            return
        try:
            self._on_message(message)
        except Exception:  # never into paho's loop: the broker redelivers what is not acked
            log.exception("a message on %s could not be queued", message.topic)
