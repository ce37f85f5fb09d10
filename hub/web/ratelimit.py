"""Sign-in attempts per user name and per address: too many failures lock both for a while.

Both locks hold for the address that failed only: a name guessed from one address is locked
there (``name@address``), and an address that tried many names is locked for every name; the
same user signing in from another address (the office's PC) is never refused because of them.
The address is the browser's, as the trusted proxy reports it (``[http] forwarded_allow_ips``).

Pure and in memory (time is passed in): a hub process forgets on restart, which costs an
attacker a restart they cannot cause, and several hub processes each count their own.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field

# One address may try several user names (an office shares one NAT address): it gets this many
# times a single name's allowance before it is locked too.
PER_ADDRESS_FACTOR = 4
# Names and addresses tracked at most: past this, every key is swept of expired failures, so a
# flood of made-up names cannot grow memory without bound.
MAX_KEYS = 10_000


@dataclass
class SigninLimiter:
    max_failures: int
    window: float
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and now - times[0] >= self.window:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def retry_after(self, name: str, address: str, now: float) -> float:
        """Seconds until another attempt is allowed; 0 when one is allowed now."""
        with self._lock:
            wait = 0.0
            for key, limit in ((f"name:{name}@{address}", self.max_failures),
                               (f"addr:{address}", self.max_failures * PER_ADDRESS_FACTOR)):
                times = self._recent(key, now)
                if len(times) >= limit:
                    wait = max(wait, self.window - (now - times[len(times) - limit]))
            return wait

    def failed(self, name: str, address: str, now: float) -> None:
        with self._lock:
            if len(self._failures) >= MAX_KEYS:
                for key in list(self._failures):
                    self._recent(key, now)
            for key in (f"name:{name}@{address}", f"addr:{address}"):
                self._recent(key, now)
                self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, name: str, address: str) -> None:
        with self._lock:
            self._failures.pop(f"name:{name}@{address}", None)


@dataclass
class WindowLimiter:
    """At most ``limit`` events per key within ``window`` seconds (poster ratings per phone and
    per poster, hub/web/rating_pages.py); in memory, time passed in, like the sign-in locks."""

    limit: int
    window: float
    _events: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def allow(self, key: str, now: float) -> bool:
        """Count an event for ``key`` and say whether it is within the limit (a refused event
        is not counted, so a flood does not lock a key for longer than the window)."""
        with self._lock:
            if len(self._events) >= MAX_KEYS and key not in self._events:
                for other in list(self._events):
                    times = self._events[other]
                    while times and now - times[0] >= self.window:
                        times.popleft()
                    if not times:
                        del self._events[other]
            times = self._events.setdefault(key, deque())
            while times and now - times[0] >= self.window:
                times.popleft()
            if len(times) >= self.limit:
                return False
            times.append(now)
            return True
