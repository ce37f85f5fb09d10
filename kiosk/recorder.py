"""The kiosk's response desk: records each citizen's response durably and keeps delivering it.

Owns the outbox, the delivery loop, the MQTT link and the phone links (kiosk/phonelink.py).
The screen (or a simulated citizen) hands it a :class:`Draft`; ``submit`` returns once the
response is committed to disk, which is when the thank-you screen may show. The screen asks
it only what it needs (was this dossier rated, is the broker connected, the counts for the
technician's screen), never for its parts.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from hailong import contract
from hailong.topics import office_topic
from kiosk.delivery import Delivery
from kiosk.draft import Answer, Draft
from kiosk.events import LinkFailed, LinkReady
from kiosk.outbox import Outbox, OutboxStats
from kiosk.phonelink import PhoneLinks
from kiosk.publisher import Incoming, MqttPublisher
from kiosk.settings import KioskSettings

log = logging.getLogger(__name__)

__all__ = ["Answer", "Draft", "ResponseDesk", "response_document"]


def response_document(settings: KioskSettings, questionnaire: str, draft: Draft, seq: int,
                      response_id: str) -> dict[str, Any]:
    """The wire Response v1 for ``draft`` (see config/schema/response.schema.json)."""
    section = settings.kiosk
    document: dict[str, Any] = {
        "v": contract.VERSION,
        "id": response_id,
        "seq": seq,
        "office": section.office,
        "kiosk": section.id,
        "counter": draft.counter or section.counter,
        "officer": draft.officer if draft.officer is not None else (section.officer or None),
        "receipt": draft.receipt.as_wire() if draft.receipt else None,
        "trigger": draft.trigger,
        "questionnaire": questionnaire,
        "lang": draft.lang,
        "started_at": draft.started_at.isoformat(timespec="milliseconds"),
        "submitted_at": draft.submitted_at.isoformat(timespec="milliseconds"),
        "complete": draft.complete,
        "answers": dict(draft.answers),
    }
    if draft.stage is not None:
        document["stage"] = draft.stage  # optional: a hub of before stages refuses unknown keys
    return document


class ResponseDesk:
    """Records responses (outbox) and delivers them (delivery loop, MQTT)."""

    def __init__(self, settings: KioskSettings, questionnaire: str,
                 status_extra: Callable[[], dict[str, Any]] | None = None,
                 on_config: Callable[[bytes], None] | None = None,
                 screen_idle: threading.Event | None = None,
                 on_results: Callable[[bytes], None] | None = None) -> None:
        self.settings = settings
        self.questionnaire = questionnaire
        self.outbox = Outbox(settings.database_url())
        self._status_extra = status_extra or (lambda: {})
        section = settings.kiosk
        self.delivery = Delivery(self.outbox, section.office, section.id,
                                 status_extra=self._status_fields,
                                 retention_days=section.retention_days, on_config=on_config,
                                 screen_idle=screen_idle)
        self.phone = PhoneLinks(self.outbox, section.office, section.id)
        self.publisher = MqttPublisher(
            settings.mqtt, section.office, section.id,
            will=contract.encode(self.delivery.status("offline")),
            on_message=self._incoming, on_connected=self.delivery.connected,
            results=section.show_results,
            topics=self.phone.topics)  # "rated" matters without phone_link too
        self._results_topic = office_topic(section.office, "results")
        self._on_results = on_results

    def _status_fields(self) -> dict[str, Any]:
        return {"questionnaire": self.questionnaire, **self._status_extra()}

    def _incoming(self, message: Incoming) -> None:
        if message.topic == self._results_topic:
            if self._on_results is not None:  # the idle screen's line, not the delivery's
                self._on_results(message.payload)
            return
        if not self.phone.received(message.topic, message.payload):
            self.delivery.received(message.topic, message.payload)

    def link_answers(self, now: datetime) -> list[LinkReady | LinkFailed]:
        """The hub's answers to link requests arrived since the last call, as flow events."""
        return self.phone.take(now)

    def request_link(self, request: str, h: str, stage: str | None) -> bool:
        """Ask the hub for a phone link (answered on ``phone.answers``); False when it cannot
        be asked now: no broker, or no hub online to answer."""
        if not self.delivery.hub_online:
            return False
        return self.phone.request(self.publisher, request, self.settings.kiosk.counter, h, stage)

    def start(self) -> None:
        self.delivery.start(self.publisher)
        self.publisher.start()

    def stop(self) -> None:
        self.delivery.stop()
        self.publisher.stop(farewell=contract.encode(self.delivery.status("offline")))
        self.outbox.close()

    def reconfigure(self, settings: KioskSettings, questionnaire: str) -> None:
        """A pushed config was applied: later responses use its counter, officer, questionnaire."""
        self.settings = settings
        self.questionnaire = questionnaire
        self.delivery.nudge()

    def rated_stages(self, receipt_hash: str) -> frozenset[str]:
        """The stages at which this dossier was rated here (one rating per dossier and stage)."""
        return self.outbox.rated_stages(receipt_hash)

    @property
    def connected(self) -> bool:
        """Whether the MQTT link to the broker is up (for the technician's screen)."""
        return self.publisher.connected

    def stats(self) -> OutboxStats:
        """The outbox's counts: last seq, waiting, oldest unsent, refused."""
        return self.outbox.stats()

    def nudge(self) -> None:
        """Something in the status changed: let the delivery loop send a fresh one."""
        self.delivery.nudge()

    def close(self) -> None:
        """Close the outbox when delivery never started (screenshots, tests)."""
        self.outbox.close()

    def submit(self, draft: Draft) -> dict[str, Any]:
        """Store the response durably (seq allocated in the same commit) and wake the delivery."""
        response_id = str(uuid.uuid4())
        document = self.outbox.store(
            lambda seq: response_document(self.settings, self.questionnaire, draft, seq,
                                          response_id),
            receipt_hash=draft.receipt.h if draft.receipt else None, stage=draft.stage)
        self.delivery.nudge()
        return document
