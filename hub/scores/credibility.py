"""Credibility flags as pure functions: bursts of identical answers, skewed clocks, small cells.

Flags are shown beside the scores so a reader can judge them; they never delete or exclude a
rating (style: the rows are the truth).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class Answered:
    """One response as burst detection sees it."""

    kiosk: str
    submitted_at: datetime
    answers: str  # canonical JSON of the answers: equal text means identical answers


@dataclass(frozen=True, slots=True)
class Burst:
    kiosk: str
    first: datetime
    last: datetime
    count: int
    answers: str


def find_bursts(responses: Iterable[Answered], min_count: int, window: timedelta) -> list[Burst]:
    """Runs of at least ``min_count`` identical answers from one kiosk within ``window``.

    A response is in a burst when some span of length ``window`` holds it and ``min_count - 1``
    other responses of the same kiosk with the same answers; overlapping spans merge into one
    burst. Responses with no answer at all are never a burst (nothing was rated).
    """
    groups: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    for item in responses:
        if item.answers not in ("", "{}"):
            groups[(item.kiosk, item.answers)].append(item.submitted_at)
    bursts: list[Burst] = []
    for (kiosk, answers), times in groups.items():
        times.sort()
        marked = [False] * len(times)
        end = 0
        for start in range(len(times)):
            end = max(end, start)
            while end + 1 < len(times) and times[end + 1] - times[start] <= window:
                end += 1
            if end - start + 1 >= min_count:
                for i in range(start, end + 1):
                    marked[i] = True
        run: list[datetime] = []
        for when, inside in zip(times, marked, strict=True):
            if inside and run and when - run[-1] > window:
                bursts.append(Burst(kiosk, run[0], run[-1], len(run), answers))
                run = []
            if inside:
                run.append(when)
            elif run:
                bursts.append(Burst(kiosk, run[0], run[-1], len(run), answers))
                run = []
        if run:
            bursts.append(Burst(kiosk, run[0], run[-1], len(run), answers))
    return sorted(bursts, key=lambda b: (b.first, b.kiosk))


def skewed(clock_skew: float | None, limit_seconds: float) -> bool:
    """A kiosk's clock is flagged when it is further than the limit from the hub's."""
    return clock_skew is not None and abs(clock_skew) > limit_seconds
