"""Asks the database whether it answers, within a bound: ``/healthz`` must answer while it hangs.

A query to a database that hangs (or behind a network path that drops packets) waits until the
operating system gives up, which may be many minutes. The probe runs the check on a thread of
its own and waits for it at most ``PROBE_WAIT``; while one check is still waiting, later callers
wait for that same one instead of piling up more stuck threads and connections.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout

# A database that is up answers a one-row read in milliseconds even on a loaded 2-core machine;
# 3 s is far beyond that, and short enough that a monitor's own 5-10 s time-out sees a 503 with
# the reason rather than a connection that never answers.
PROBE_WAIT = 3.0


class DatabaseProbe:
    def __init__(self, check: Callable[[], object], wait: float = PROBE_WAIT) -> None:
        self._check = check
        self._wait = wait
        self._lock = threading.Lock()
        self._pending: Future[object] | None = None

    def _start(self) -> Future[object]:
        future: Future[object] = Future()

        def run() -> None:
            try:
                future.set_result(self._check())
            except BaseException as exc:  # handed to the caller, who words it
                future.set_exception(exc)

        # a daemon: a check stuck on a dead database must not keep the hub from exiting
        threading.Thread(target=run, name="database-probe", daemon=True).start()
        return future

    def problem(self) -> str | None:
        """None when the database answered; otherwise what is wrong, in one line."""
        with self._lock:
            if self._pending is None or self._pending.done():
                self._pending = self._start()
            pending = self._pending
        try:
            pending.result(timeout=self._wait)
        except FutureTimeout:
            return f"no answer within {self._wait:g} s"
        except Exception as exc:
            return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return None
