"""The alert rule as a pure function: too many low answers at one counter in a short window.

Like HappyOrNot's smart alerts: within the last ``window`` (by submitted_at), when answers at or
below ``low_max`` reach ``share`` of at least ``min_responses`` answers, the counter gets an
alert. The store records it (one open alert per counter at a time) and the hub publishes it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from hub.settings import AlertRule


@dataclass(frozen=True, slots=True)
class Trigger:
    counter: str
    n: int
    low: int

    @property
    def share(self) -> float:
        return self.low / self.n


def evaluate(rule: AlertRule, answers: Iterable[tuple[str, int]]) -> list[Trigger]:
    """Counters whose answers (``(counter, value)`` within the window) break the rule."""
    if not rule.enabled:
        return []
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for counter, value in answers:
        cell = totals[counter]
        cell[0] += 1
        cell[1] += 1 if value <= rule.low_max else 0
    return [Trigger(counter, n, low) for counter, (n, low) in sorted(totals.items())
            if n >= rule.min_responses and low / n >= rule.share]
