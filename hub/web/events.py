"""Server-sent events for live pages: the live-scores thread publishes, each open page listens.

``LiveScores`` calls :meth:`LiveEvents.publish` from its own thread; every subscriber is an
asyncio queue on the web server's loop, fed with ``call_soon_threadsafe``. A slow page only
ever misses intermediate documents, never the latest one. Three kinds of event travel: ``scores``
(today's scores document), ``alert`` (an alert just opened, acknowledged or closed) and ``kiosks`` (a kiosk
of the office sent a status: online/offline, outbox, clock, config).
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

# A page needs only the newest document; a few queued ones absorb bursts.
QUEUE_SIZE = 8
# A comment line this often keeps proxies from closing an idle stream.
HEARTBEAT = 15.0
# The stream's credentials (session or token) are checked again this often, busy or idle: a
# signed-out, removed or revoked caller stops receiving within about this long. Sign-out,
# `user remove` and `token revoke` may happen in another process (the CLI writes the database),
# so this is a poll: one indexed lookup per open page per second.
RECHECK = 1.0
# How long the browser waits before reconnecting after the stream ends (milliseconds).
RETRY_MS = 1000

_CLOSED = object()


class LiveEvents:
    def __init__(self) -> None:
        self._subscribers: dict[str, set[asyncio.Queue[object]]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        self._closed = False

    def publish(self, office: str, document: dict[str, Any], event: str = "scores") -> None:
        """From any thread: hand ``document`` to every page watching ``office``."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._deliver, office, (event, document))

    def publish_alert(self, office: str, alert: dict[str, Any]) -> None:
        self.publish(office, alert, "alert")

    def kiosks_changed(self, offices: set[str]) -> None:
        """From any thread: kiosks of these offices sent a status."""
        for office in offices:
            self.publish(office, {"office": office}, "kiosks")

    def close(self) -> None:
        """From any thread: end every stream (the hub is stopping); pages will reconnect."""
        self._closed = True
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._deliver_all, _CLOSED)

    def subscribers(self, office: str) -> int:
        with self._lock:
            return len(self._subscribers.get(office, ()))

    def _deliver(self, office: str, item: object) -> None:
        with self._lock:
            queues = list(self._subscribers.get(office, ()))
        for queue in queues:
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(item)

    def _deliver_all(self, item: object) -> None:
        with self._lock:
            offices = list(self._subscribers)
        for office in offices:
            self._deliver(office, item)

    async def stream(self, office: str, first: dict[str, Any],
                     still_allowed: Callable[[], Awaitable[bool]], brief: bool = False
                     ) -> AsyncIterator[str]:
        """The ``text/event-stream`` body: ``first`` at once, then every new document; with
        ``brief``, the events' names with ``{}`` for data."""
        self._loop = asyncio.get_running_loop()
        queue: asyncio.Queue[object] = asyncio.Queue(QUEUE_SIZE)
        with self._lock:
            self._subscribers.setdefault(office, set()).add(queue)
        try:
            yield f"retry: {RETRY_MS}\n\n"
            yield encode_event("scores", {} if brief else first)
            clock = asyncio.get_running_loop().time
            checked = beat = clock()
            while not self._closed:
                try:
                    item: object | None = await asyncio.wait_for(queue.get(), RECHECK)
                except TimeoutError:
                    item = None
                if clock() - checked >= RECHECK:
                    if not await still_allowed():
                        return
                    checked = clock()
                if item is None:
                    if clock() - beat >= HEARTBEAT:
                        beat = clock()
                        yield ": keep-alive\n\n"
                    continue
                if item is _CLOSED:
                    return
                assert isinstance(item, tuple)
                yield encode_event(item[0], {} if brief else item[1])
        finally:
            with self._lock:
                watchers = self._subscribers.get(office)
                if watchers is not None:
                    watchers.discard(queue)
                    if not watchers:
                        del self._subscribers[office]


def encode_event(name: str, document: dict[str, Any]) -> str:
    data = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return f"event: {name}\ndata: {data}\n\n"
