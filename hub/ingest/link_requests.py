"""Kiosks' link requests: ``hailong/v1/{office}/{kiosk}/link-request`` in, ``…/link`` out.

The hub alone holds the link secret, so a kiosk that wants to show a QR code for the phone
questionnaire asks here (docs/web-channel.md). The signing itself is injected (``issue``:
hub/web/webchannel.py), so this module knows the contract and the topics only. A bad request is
logged and answered ``refused`` when its id can be read; nothing raises into the MQTT loop.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from hailong import contract
from hailong.topics import kiosk_topic, parse_kiosk_topic
from hailong.weblinks import IssuedLink, LinkRefusal
from hub.ingest.subscriber import Message

log = logging.getLogger(__name__)


Issue = Callable[[str, str, str | None, str], IssuedLink]  # office, counter, stage, h


def _request_id(payload: bytes) -> str | None:
    """The request id of a payload the contract refused, when one can still be read."""
    try:
        document = json.loads(payload)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    found = document.get("request") if isinstance(document, dict) else None
    return found if isinstance(found, str) and len(found) == 36 else None


class LinkRequests:
    def __init__(self, issue: Issue, publish: Callable[[str, bytes], None],
                 ack: Callable[[int, int], None]) -> None:
        self._issue = issue
        self._publish = publish
        self._ack = ack
        self.answered = 0

    def handle(self, message: Message) -> None:
        """Answer one request on the kiosk's own ``link`` topic, then ack it to the broker."""
        try:
            self._answer(message)
        except Exception:  # never into paho's loop
            log.exception("a link request on %s could not be answered", message.topic)
        finally:
            self._ack(message.mid, message.qos)

    def _answer(self, message: Message) -> None:
        topic = parse_kiosk_topic(message.topic)
        if topic is None or topic.kind != "link-request":
            log.warning("not a link-request topic: %s", message.topic[:200])
            return
        reply = kiosk_topic(topic.office, topic.kiosk, "link")
        try:
            request = contract.decode_link_request(message.payload)
        except contract.ContractError as exc:
            log.warning("link request from %s/%s refused: %s", topic.office, topic.kiosk,
                        exc.reason)
            request_id = _request_id(message.payload)
            if request_id is not None:
                self._send(reply, contract.link_error_message(request_id, "refused", exc.reason))
            return
        stage = request.stage if isinstance(request.stage, str) else None
        try:
            issued = self._issue(topic.office, request.counter, stage, request.h)
        except LinkRefusal as exc:
            self._send(reply, contract.link_error_message(request.request, exc.error,
                                                          exc.reason))
            return
        self._send(reply, contract.link_message(request.request, issued.url, issued.expires))

    def _send(self, topic: str, payload: bytes) -> None:
        self._publish(topic, payload)
        self.answered += 1
