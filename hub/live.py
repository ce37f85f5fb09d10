"""Live scores: today's scores of an office, republished retained when they change.

After each commit the ingest names the offices that got new responses; at most once a second
per office this recomputes today's scores (the same document as the API) and publishes it on
``hailong/v1/{office}/scores``. Listeners (the dashboard's live page) are told too.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from hailong import contract
from hailong.topics import office_topic
from hub.scores import office_scores
from hub.store import Store

log = logging.getLogger(__name__)

# At most one scores message per office per second: a dashboard cannot show more, and a busy
# office should not flood the broker with a message per rating.
MIN_GAP = 1.0


def scores_for(store: Store, office: str, first: date, last: date) -> dict[str, Any]:
    return office_scores(office, first, last, store.response_count(office, first, last),
                         store.rating_sums(office, first, last))


class LiveScores:
    def __init__(self, store: Store, timezone_of: Callable[[str], ZoneInfo],
                 publish: Callable[[str, bytes, bool], None]) -> None:
        self._store = store
        self._timezone_of = timezone_of
        self._publish = publish
        self._dirty: set[str] = set()
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._listeners: list[Callable[[str, dict[str, Any]], None]] = []
        self._thread: threading.Thread | None = None

    def listen(self, callback: Callable[[str, dict[str, Any]], None]) -> None:
        self._listeners.append(callback)

    def changed(self, offices: set[str]) -> None:
        with self._lock:
            self._dirty |= offices
        self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="live-scores", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def today(self, office: str) -> dict[str, Any]:
        day = datetime.now(self._timezone_of(office)).date()
        return scores_for(self._store, office, day, day)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(0.25)
            self._wake.clear()
            now = time.monotonic()
            with self._lock:
                due = {o for o in self._dirty if now - self._last.get(o, 0.0) >= MIN_GAP}
                self._dirty -= due
            for office in sorted(due):
                self._last[office] = now
                try:
                    document = self.today(office)
                    self._publish(office_topic(office, "scores"), contract.encode(document), True)
                    for listener in self._listeners:
                        listener(office, document)
                except Exception:
                    log.exception("could not publish the scores of %s", office)
            if self._dirty:
                self._wake.set()
                self._stop.wait(0.1)
