"""Open live pages for a benchmark: offices' server-sent event streams held open on loopback.

What a wall of office screens costs the hub while it ingests: each page is the live page's own
stream (``GET /api/v1/offices/{office}/events``), read by one child process that only counts
the events, so the bench measures the hub's side of it and not a browser's.
"""

from __future__ import annotations

import multiprocessing as mp
import selectors
import socket
import time
from dataclasses import dataclass
from typing import Any

# A page that has not had its first event within this long means the hub is not serving it.
CONNECT_TIMEOUT = 60.0


def bench_token(database_url: str, offices: list[str]) -> str:
    """An API token of a head of ``offices`` in the hub's database: it may open their streams
    before the hub has seen them (the bench opens the pages before any rating arrives)."""
    from hub.admin.accounts import Accounts
    from hub.store import Store

    store = Store(database_url)
    try:
        return Accounts(store.engine).create_token("bench-pages", "head", offices)
    finally:
        store.close()


def _read_pages(port: int, token: str, offices: list[str], ready: Any, stop: Any,
                results: Any) -> None:
    selector = selectors.DefaultSelector()
    events = {office: 0 for office in offices}
    heads = {office: b"" for office in offices}  # each page's first bytes, to say why it failed
    for office in offices:
        sock = socket.create_connection(("127.0.0.1", port), timeout=CONNECT_TIMEOUT)
        sock.sendall(f"GET /api/v1/offices/{office}/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     f"Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n"
                     .encode())
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ, office)
    deadline = time.monotonic() + CONNECT_TIMEOUT
    announced = False
    while not stop.is_set():
        for key, _mask in selector.select(timeout=0.2):
            data = key.fileobj.recv(65536)  # type: ignore[union-attr]
            if not data:
                selector.unregister(key.fileobj)
                continue
            events[key.data] += data.count(b"event: scores")
            if len(heads[key.data]) < 300:
                heads[key.data] += data[:300]
        if not announced and all(events.values()):
            ready.put((len(offices), ""))
            announced = True
        elif not announced and time.monotonic() > deadline:
            failed = next(office for office, n in events.items() if not n)
            ready.put((sum(1 for n in events.values() if n),
                       f"{failed}: {heads[failed][:300].decode(errors='replace')!r}"))
            announced = True
    results.put({"pages": len(offices), "open": len(selector.get_map()),
                 "events": sum(events.values())})


@dataclass
class Pages:
    """``count`` offices' live pages, open until :meth:`close`."""

    process: Any
    stop: Any
    results: Any
    opened: int

    @classmethod
    def open(cls, port: int, database_url: str, offices: list[str]) -> Pages:
        context = mp.get_context("spawn")
        ready, stop, results = context.Queue(), context.Event(), context.Queue()
        process = context.Process(target=_read_pages, daemon=True, args=(
            port, bench_token(database_url, offices), offices, ready, stop, results))
        process.start()
        opened, failed = ready.get(timeout=CONNECT_TIMEOUT + 30)
        if opened != len(offices):
            stop.set()
            raise RuntimeError(f"only {opened} of {len(offices)} live pages got their first "
                               f"event; {failed}")
        return cls(process, stop, results, opened)

    def close(self) -> dict[str, int]:
        """Close the pages; how many were open and how many score events they received."""
        self.stop.set()
        found: dict[str, int] = self.results.get(timeout=30)
        self.process.join(10)
        return found
