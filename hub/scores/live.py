"""Live scores and alerts: after each commit, today's scores are republished and the alert rule run.

The ingest names the offices that got new responses; at most once a second per office this
recomputes today's scores (the same document as the API) and publishes it retained on
``hailong/v1/{office}/scores``, then runs the office's alert rule over its recent answers and
publishes any new alert on ``hailong/v1/{office}/alerts``. Listeners (the dashboard's live page)
are told too. Nothing here runs on the ingest thread, so a slow query never delays an ack.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from hailong import contract
from hailong.contract import SKEW_FUTURE
from hailong.logsafe import printable
from hailong.topics import office_topic
from hub.scores.alerts import evaluate
from hub.scores.documents import Documents, alert_document
from hub.settings import AlertRule
from hub.store import Store, utc
from hub.store.alerts import OnOpened

log = logging.getLogger(__name__)

# At most one scores message per office per second: a dashboard cannot show more, and a busy
# office should not flood the broker with a message per rating.
MIN_GAP = 1.0
# At most this many offices are refreshed per second in all: when a flood (a province's kiosks
# back after an outage) touches thousands of offices, the ingest keeps the processor and each
# office's scores catch up within a few seconds instead of every second.
MAX_PER_SECOND = 50
# And this thread uses at most this share of a core: after a refresh that took c seconds of its
# CPU, it rests 9c before the next. It shares the process (and Python's GIL) with the ingest,
# which must not slow down because offices' pages are open; a single new rating is still
# published at once, as the rest comes after the refresh.
MAX_SHARE = 0.10

Listener = Callable[[str, dict[str, Any]], None]  # office, document


class LiveScores:
    def __init__(self, store: Store, documents: Documents,
                 publish: Callable[[str, bytes, bool], None],
                 rule_for: Callable[[str], AlertRule], on_opened: OnOpened | None = None) -> None:
        self._store = store
        self._on_opened = on_opened
        self._documents = documents
        self._publish = publish
        self._rule_for = rule_for
        self._dirty: set[str] = set()
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._listeners: list[Listener] = []
        self._alert_listeners: list[Listener] = []
        self._thread: threading.Thread | None = None

    def listen(self, callback: Listener) -> None:
        """Call ``callback(office, scores)`` whenever an office's live scores are republished."""
        self._listeners.append(callback)

    def listen_alerts(self, callback: Listener) -> None:
        """Call ``callback(office, alert)`` whenever an alert is opened."""
        self._alert_listeners.append(callback)

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
        return self._documents.today_scores(office)

    def check_alerts(self, office: str) -> list[dict[str, Any]]:
        """Run the office's rule over its recent answers; the alerts newly opened."""
        rule = self._rule_for(office)
        if not rule.enabled:
            return []
        now = self._documents.clock()
        since = now - timedelta(seconds=rule.window)
        tz = self._documents.timezone_of(office)
        days = sorted({since.astimezone(tz).date(), now.astimezone(tz).date()})
        answers = []
        # A closed alert's counter starts afresh at the close: the answers that opened it (and
        # any before the close) cannot open another one at once (docs/dashboard.md).
        closed = self._store.read.last_closed(office, since)
        # A kiosk whose clock runs far ahead does not get to vote in every future window.
        for row in self._store.read.recent(office, days, since, now + SKEW_FUTURE):
            restart = closed.get(row["counter"])
            if restart is not None and utc(row["submitted_at"]) <= restart:
                continue
            value = json.loads(row["answers"]).get(rule.question)
            if isinstance(value, int):
                answers.append((row["counter"], value))
        opened = []
        for trigger in evaluate(rule, answers):
            alert_id = self._store.open_alert(office, trigger.counter, rule.question, now, since,
                                              trigger.n, trigger.low, self._on_opened)
            if alert_id is not None:
                opened.append(alert_document(self._store.read.alert(alert_id)))
        return opened

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(0.25)
            self._wake.clear()
            now = time.monotonic()
            with self._lock:
                # The longest-waiting offices first, within this second's budget.
                due = sorted((o for o in self._dirty if now - self._last.get(o, 0.0) >= MIN_GAP),
                             key=lambda o: self._last.get(o, 0.0))[:MAX_PER_SECOND]
                self._dirty -= set(due)
            started = time.monotonic()
            for office in due:
                self._last[office] = now
                cpu = time.thread_time()
                try:
                    self._refresh(office)
                except Exception:
                    log.exception("could not publish the scores or alerts of %s", office)
                if self._stop.wait((time.thread_time() - cpu) * (1 / MAX_SHARE - 1)):
                    return
            if len(due) == MAX_PER_SECOND:
                self._stop.wait(max(0.0, 1.0 - (time.monotonic() - started)))
            if self._dirty:
                self._wake.set()
                self._stop.wait(0.1)

    def _refresh(self, office: str) -> None:
        document = self.today(office)
        self._publish(office_topic(office, "scores"), contract.encode(document), True)
        for listener in self._listeners:
            listener(office, document)
        for alert in self.check_alerts(office):
            log.warning("alert at %s counter %s: %d of %d answers low", office,
                        printable(alert["counter"]), alert["low"], alert["n"])
            self._publish(office_topic(office, "alerts"), contract.encode(alert), False)
            for listener in self._alert_listeners:
                listener(office, alert)

