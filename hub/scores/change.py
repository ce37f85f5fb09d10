"""Whether a figure changed from the previous period: the difference and a z test, marked only
when significant at 95 % and both periods have at least ``min_n`` answers.

- A satisfied share (the overall question, a factor index): the **two-proportion z test** with
  the pooled share, z = (p₁ − p₀) / √(p(1 − p)(1/n₁ + 1/n₀)), p = (x₁ + x₀)/(n₁ + n₀).
- The SIPAS index (a mean of five shares): z = (I₁ − I₀) / √(V₁ + V₀), V the delta-method
  variance of each period's index (docs/method.md §4), the periods taken as independent.

|z| ≥ 1.96 is significant. Pure functions; tests/hub/test_change.py checks hand-computed tables.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hub.scores.method import FACTORS, index_variance
from hub.scores.scores import Z95


@dataclass(frozen=True, slots=True)
class Change:
    """A figure against the previous period's: ``difference`` (this − previous, a share's
    points as a fraction), ``z`` and whether it is ``significant`` (then ``direction``)."""

    previous: float | None
    previous_n: int
    difference: float | None
    z: float | None
    significant: bool

    @property
    def direction(self) -> str | None:
        if not self.significant or self.difference is None:
            return None
        return "up" if self.difference > 0 else "down"


NO_CHANGE = Change(None, 0, None, None, False)


def proportion_z(x1: int, n1: int, x0: int, n0: int) -> float | None:
    """The two-proportion z statistic (pooled); None without answers in either period, 0 when
    the pooled share is 0 or 1 (both periods alike)."""
    if n1 <= 0 or n0 <= 0:
        return None
    pooled = (x1 + x0) / (n1 + n0)
    variance = pooled * (1 - pooled) * (1 / n1 + 1 / n0)
    if variance <= 0:
        return 0.0
    return (x1 / n1 - x0 / n0) / math.sqrt(variance)


def _counts(score: Mapping[str, Any] | None) -> tuple[int, int]:
    """(answers 4–5, n) of a score carrying its distribution."""
    dist = (score or {}).get("dist") or [0] * 5
    return int(dist[3]) + int(dist[4]), int(sum(dist))


def share_change(now: Mapping[str, Any] | None, before: Mapping[str, Any] | None, min_n: int
                 ) -> Change:
    """A satisfied share against the previous period's (scores with ``dist``)."""
    x1, n1 = _counts(now)
    x0, n0 = _counts(before)
    if n0 == 0:
        return Change(None, 0, None, None, False)
    previous = x0 / n0
    if n1 == 0:
        return Change(previous, n0, None, None, False)
    z = proportion_z(x1, n1, x0, n0)
    enough = n1 >= min_n and n0 >= min_n
    return Change(previous, n0, x1 / n1 - previous, z,
                  enough and z is not None and abs(z) >= Z95)


def _index_parts(factors: Mapping[str, Mapping[str, Any]]) -> list[tuple[int, int]] | None:
    parts = [_counts(factors.get(key)) for key in FACTORS]
    return parts if all(n for _, n in parts) else None


def index_change(now: Mapping[str, Mapping[str, Any]], before: Mapping[str, Mapping[str, Any]],
                 min_n: int) -> Change:
    """The SIPAS index against the previous period's, from each period's five factor scores
    (with ``dist``); no index in a period (a factor unanswered) is no change to test."""
    parts1, parts0 = _index_parts(now), _index_parts(before)
    if parts0 is None:
        return NO_CHANGE
    previous = sum(x / n for x, n in parts0) / len(FACTORS)
    n0 = min(n for _, n in parts0)
    if parts1 is None:
        return Change(previous, n0, None, None, False)
    value = sum(x / n for x, n in parts1) / len(FACTORS)
    n1 = min(n for _, n in parts1)
    variance = index_variance(parts1) + index_variance(parts0)
    z = (value - previous) / math.sqrt(variance) if variance > 0 else 0.0
    enough = n1 >= min_n and n0 >= min_n
    return Change(previous, n0, value - previous, z, enough and abs(z) >= Z95)
