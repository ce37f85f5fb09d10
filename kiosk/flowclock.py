"""The time the kiosk's flow is fed: the wall clock between citizens, monotonic during one.

The flow measures its time-outs (idle, thank-you, technician screen) as differences of the
``now`` it is given, and stamps responses with it. Read straight from the wall clock, a jump
while a citizen is rating (an NTP correction, a technician setting the date) would end their
flow at once or keep it open for an hour. So once a flow has started, ``now`` advances by the
monotonic clock from the moment the flow began; back on the idle screen it is the wall clock
again, so the next response is stamped with corrected time. A response rated across a jump is
stamped with the pre-jump time: the hub's clock-skew check flags it, as for any kiosk clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta


def wall_now() -> datetime:
    return datetime.now().astimezone()


class FlowClock:
    def __init__(self, wall: Callable[[], datetime] = wall_now,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._wall = wall
        self._monotonic = monotonic
        self._anchor_wall = wall()
        self._anchor_mono = monotonic()

    def now(self, idle: bool) -> datetime:
        """The flow's time; ``idle`` says no citizen's flow is under way (re-anchor to the wall)."""
        if idle:
            self._anchor_wall, self._anchor_mono = self._wall(), self._monotonic()
            return self._anchor_wall
        return self._anchor_wall + timedelta(seconds=self._monotonic() - self._anchor_mono)
