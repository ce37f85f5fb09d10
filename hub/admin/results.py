"""What each office tells citizens about its last complete month: built once here for the public
page (hub/web/public_pages.py) and for the retained ``results`` message its kiosks show on the
idle screen, which :class:`ResultsPublisher` republishes when a month closes or an action is done.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from hailong import contract
from hailong.topics import office_topic
from hub.scores.actions import done_in
from hub.scores.documents import Documents
from hub.scores.public import last_complete_month, month_key, office_month, results_message, told
from hub.store import tables as t

log = logging.getLogger(__name__)
# How often the publisher looks whether an office's month has closed: an hour late on the 1st
# is soon enough for a monthly figure, and costs one date comparison per office.
MONTH_CHECK_SECONDS = 3600.0


@dataclass(frozen=True, slots=True)
class MonthTold:
    """An office's last complete month as citizens are told it."""

    office: str
    first: date
    last: date
    figures: dict[str, Any]
    done: list[dict[str, str]]


def roster_secrets(documents: Documents, office: str) -> list[str]:
    """Every officer name and code, counter label and name, and kiosk id the hub knows of the
    office: none of them may reach citizens (hub/scores/public.py ``redact``)."""
    read = documents.read
    secrets: list[str] = []
    for table, key in ((t.officers, "code"), (t.counters, "label")):
        for code, name in read.names(table, key, office).items():
            secrets += [code, name]
    secrets += [str(k["kiosk"]) for k in read.kiosks(office)]
    return [s for s in secrets if s]


def month_told(documents: Documents, office: str) -> MonthTold:
    zone = documents.timezone_of(office)
    first, last = last_complete_month(documents.today(office))
    figures = office_month(documents.index(office, first, last), documents.min_n)

    def day_of(moment: datetime) -> date:
        return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
                ).astimezone(zone).date()

    done = done_in(documents.read.actions(office), first, last, day_of)
    return MonthTold(office, first, last, figures, told(done, roster_secrets(documents, office)))


def results_payload(documents: Documents, office: str) -> bytes:
    month = month_told(documents, office)
    document = results_message(office, month.first, month.figures, documents.min_n, month.done)
    contract.validate("results", document)
    return contract.encode(document)


class ResultsPublisher:
    """Publishes each registered office's ``results`` message, retained: at start, when an
    office's month closes, and when one of its actions is done (:meth:`changed`)."""

    def __init__(self, documents: Documents, offices: Callable[[], list[str]],
                 publish: Callable[[str, bytes, bool], object],
                 ready: Callable[[float], bool] = lambda _timeout: True) -> None:
        self.documents = documents
        self.ready = ready
        self.offices = offices
        self.publish = publish
        self.months: dict[str, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="results", daemon=True)

    def changed(self, office: str) -> None:
        """Publish the office's message now (safe to call from any thread)."""
        try:
            payload = results_payload(self.documents, office)
            self.publish(office_topic(office, "results"), payload, True)
            self.months[office] = month_key(last_complete_month(self.documents.today(office))[0])
        except Exception:  # a failed publish is retried at the next check, never raised
            log.exception("could not publish the results of %s", office)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.is_set() and not self.ready(1.0):
            pass  # the first messages go out once the broker has the hub's session
        while not self._stop.is_set():
            self.check_months()
            self._stop.wait(MONTH_CHECK_SECONDS)

    def check_months(self) -> list[str]:
        """Publish every office whose last complete month is not the one it last published
        (all of them at start); the offices published."""
        published = []
        for office in self.offices():
            month = month_key(last_complete_month(self.documents.today(office))[0])
            if self.months.get(office) != month:
                self.changed(office)
                published.append(office)
        return published
