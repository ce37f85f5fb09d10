"""The kiosk's side of the web channel's messages: link requests out, links and "rated" in.

The screen's loop asks for a link (:meth:`PhoneLinks.request`) and takes the hub's answers
from :attr:`PhoneLinks.answers`, a queue filled on the MQTT thread; a ``rated`` notice (a
dossier of this office rated on a phone) is written at once into the outbox's rated receipts,
so the same dossier at that stage is refused here like one rated at this kiosk. Payloads are
checked by hailong/contract.py; a bad one is logged and dropped, never raised into a loop.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass
from datetime import datetime

from msgspec import UNSET

from hailong import contract
from hailong.topics import kiosk_topic, office_topic, parse_kiosk_topic, parse_office_topic
from kiosk.delivery import Transport
from kiosk.events import LinkFailed, LinkReady
from kiosk.outbox import Outbox
from kiosk.qrmatrix import modules

log = logging.getLogger(__name__)

# Requests remembered until answered: the hub answers in milliseconds, so a handful are ever
# outstanding; the bound only stops a hub that never answers from growing the memory.
ASKED_KEPT = 64


@dataclass(frozen=True, slots=True)
class LinkAnswer:
    """The hub's answer to one request: a URL and its expiry, or the reason there is none."""

    request: str
    url: str = ""
    expires: datetime | None = None
    error: str = ""


class PhoneLinks:
    def __init__(self, outbox: Outbox, office: str, kiosk: str) -> None:
        self.outbox = outbox
        self.office = office
        self.kiosk = kiosk
        self.answers: queue.SimpleQueue[LinkAnswer] = queue.SimpleQueue()
        # request → (hash, stage) of the requests not answered yet, the oldest dropped first
        self._asked: dict[str, tuple[str, str | None]] = {}
        self._lock = threading.Lock()  # the screen's thread asks, the MQTT thread is answered

    @property
    def topics(self) -> tuple[str, str]:
        """What the kiosk subscribes to: its own ``link`` topic and its office's ``rated``."""
        return kiosk_topic(self.office, self.kiosk, "link"), office_topic(self.office, "rated")

    def request(self, publisher: Transport, request: str, counter: str, h: str,
                stage: str | None) -> bool:
        """Publish a link request; False when it cannot go now (the broker is away)."""
        if not publisher.connected:
            return False
        payload = contract.link_request_message(request, counter, h, stage)
        with self._lock:  # before publishing: the answer may come back before publish returns
            self._asked[request] = (h, stage)
            while len(self._asked) > ASKED_KEPT:
                del self._asked[next(iter(self._asked))]
        if publisher.publish(kiosk_topic(self.office, self.kiosk, "link-request"), payload):
            return True
        with self._lock:
            self._asked.pop(request, None)
        return False

    def take(self, now: datetime) -> list[LinkReady | LinkFailed]:
        """The answers arrived since the last call, as the flow's events at ``now``."""
        events: list[LinkReady | LinkFailed] = []
        while not self.answers.empty():
            answer = self.answers.get_nowait()
            if answer.url and answer.expires is not None:
                events.append(LinkReady(answer.request, answer.url, answer.expires, now=now))
            else:
                events.append(LinkFailed(answer.request, answer.error, now=now))
        return events

    def received(self, topic: str, payload: bytes) -> bool:
        """Handle a message on a web channel topic; False when ``topic`` is not one of them."""
        kiosk = parse_kiosk_topic(topic)
        if kiosk is not None and kiosk.kind == "link":
            self._link(payload)
            return True
        office = parse_office_topic(topic)
        if office is not None and office.kind == "rated":
            self._rated(payload)
            return True
        return False

    def _link(self, payload: bytes) -> None:
        try:
            link = contract.decode_link(payload)
            expires = None if link.expires is UNSET else contract.parse_time(link.expires)
        except (contract.ContractError, ValueError) as exc:
            log.warning("ignored a malformed link from the hub: %s", exc)
            return
        with self._lock:
            asked = self._asked.pop(link.request, None)
        if link.error is not UNSET:
            log.info("the hub gave no phone link (%s): %s", link.error,
                     "" if link.reason is UNSET else link.reason)
            if link.error == "already-rated" and asked is not None:
                # rated on a phone while this kiosk was away from the broker (it missed the
                # "rated" notice): the hub knows better, so the next scan is refused here too
                self.outbox.mark_rated(*asked)
            self.answers.put(LinkAnswer(link.request, error=link.error))
            return
        modules(str(link.url))  # its QR code's matrix now, on this thread: the screen only draws it
        self.answers.put(LinkAnswer(link.request, url=str(link.url), expires=expires))

    def _rated(self, payload: bytes) -> None:
        try:
            rated = contract.decode_rated(payload)
        except contract.ContractError as exc:
            log.warning("ignored a malformed rated notice: %s", exc.reason)
            return
        self.outbox.mark_rated(rated.h, None if rated.stage is UNSET else rated.stage)
