"""Sends the queued notifications on a thread of its own, so that a slow or dead mail server
never delays the ingest: due notices are claimed, sent, and on failure retried with doubling
waits until ``max_attempts``, then marked failed (shown on the alerts page and in /healthz)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from hailong.logsafe import printable
from hub.notify.mail import DeliveryError, send_mail
from hub.notify.messages import backoff
from hub.notify.settings import NotifySection
from hub.notify.webhook import post_webhook
from hub.store import Store

log = logging.getLogger(__name__)

# With nothing due, the queue is looked at this often anyway: a notice queued by another hub
# process (shared group), or one whose retry time came, goes out within about this long.
POLL = 1.0
# Notices taken per look: a burst of alerts is sent in rounds, the thread stays responsive.
BATCH = 20

Transport = Callable[[NotifySection, dict[str, Any]], None]
TRANSPORTS: dict[str, Transport] = {"email": send_mail, "webhook": post_webhook}


class NotifySender:
    def __init__(self, store: Store, settings: NotifySection,
                 transports: dict[str, Transport] | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._store = store
        self._settings = settings
        self._transports = transports or TRANSPORTS
        self._clock = clock
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        """From any thread: something was queued, look now."""
        self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="notify-sender", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=self._settings.timeout + 5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                sent = self.send_due()
            except Exception:  # the database went away: say so, and look again later
                log.exception("could not read the notification queue")
                sent = 0
            if sent < BATCH:
                self._wake.wait(self._pause())
                self._wake.clear()

    def _pause(self) -> float:
        """Until the next retry is due, at most :data:`POLL`."""
        try:
            due = self._store.read.notify_next_due()
        except Exception:  # the next round says what is wrong
            return POLL
        if due is None:
            return POLL
        return min(POLL, max(0.0, (due - self._clock()).total_seconds()))

    def send_due(self) -> int:
        """One round: send what is due now; how many notices were tried."""
        due = self._store.read.notify_due(self._clock(), BATCH)
        for notice in due:
            if self._stop.is_set():
                break
            if self._store.claim_notice(notice["id"], self._clock()):
                self._send(notice)
        return len(due)

    def _send(self, notice: dict[str, Any]) -> None:
        transport = self._transports.get(notice["channel"])
        try:
            if transport is None:
                raise DeliveryError(f"no transport for {notice['channel']!r}")
            transport(self._settings, notice)
        except DeliveryError as exc:
            attempts = int(notice["attempts"]) + 1
            retry_at = None
            if attempts < self._settings.max_attempts:
                retry_at = self._clock() + timedelta(seconds=backoff(
                    attempts, self._settings.retry_base, self._settings.retry_max))
            self._store.notice_failed(notice["id"], str(exc), retry_at)
            log.warning("alert notification %s to %s failed (attempt %d%s): %s", notice["id"],
                        printable(notice["recipient"]), attempts,
                        "" if retry_at else ", given up", exc)
            return
        self._store.notice_sent(notice["id"], self._clock())
        log.info("alert notification %s sent by %s", notice["id"], notice["channel"])
