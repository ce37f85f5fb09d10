"""The MQTT client set-up the kiosk and the hub share: credentials, TLS, last will, reconnect.

paho itself stays imported in one module per app (kiosk/publisher.py, hub/ingest/subscriber.py);
each makes its paho client and hands it here, so both read ``[mqtt]`` the same way.
"""

from __future__ import annotations

import ssl
from typing import Any, Protocol

from hailong.settings import MqttSettings


class SetUpClient(Protocol):
    """The part of paho's ``Client`` this module calls."""

    def username_pw_set(self, username: str | None, password: str | None = None) -> None: ...

    def tls_set(self, ca_certs: str | None = ..., certfile: str | None = ...,
                keyfile: str | None = ..., cert_reqs: ssl.VerifyMode | None = ...) -> None: ...

    def will_set(self, topic: str, payload: Any = ..., qos: int = ..., retain: bool = ...
                 ) -> None: ...

    def reconnect_delay_set(self, min_delay: int = 1, max_delay: int = 120) -> None: ...

    def max_inflight_messages_set(self, inflight: int) -> None: ...

    on_connect: Any
    on_disconnect: Any
    on_message: Any


def set_up_client(client: SetUpClient, settings: MqttSettings, will_topic: str, will: bytes,
                  reconnect: tuple[int, int], max_inflight: int,
                  handlers: tuple[Any, Any, Any]) -> None:
    """Credentials and TLS from ``settings``; a retained last will (no expiry: it must stay until
    the client says otherwise); reconnects backing off from ``reconnect[0]`` to ``[1]`` seconds;
    at most ``max_inflight`` QoS 1 messages unacknowledged; ``handlers`` for connect, disconnect
    and message."""
    if settings.username:
        client.username_pw_set(settings.username, settings.password.get_secret_value() or None)
    if settings.tls:
        client.tls_set(ca_certs=settings.ca_file or None, cert_reqs=ssl.CERT_REQUIRED)
    client.will_set(will_topic, will, qos=1, retain=True)
    client.reconnect_delay_set(*reconnect)
    client.max_inflight_messages_set(max_inflight)
    client.on_connect, client.on_disconnect, client.on_message = handlers
