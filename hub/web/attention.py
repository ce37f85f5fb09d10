"""What the office page puts first, for a head between two citizens: pure choices over the
page's own figures (no I/O), tested with hand-made rows.

- the weakest counter and the weakest factor today, among those with enough answers;
- today against yesterday and the same weekday last week, a change marked only when the two
  95 % intervals do not overlap (the rule of the channels' comparison, hub/scores/channels.py);
- the kiosks' health in one line, and which kiosks need a look.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from hub.scores.channels import overlap
from hub.web.charts import DayPoint
from hub.web.views import OVERALL, CellRow, QuestionRow

# The days today is compared with, by how far back they are.
COMPARED = {"yesterday": 1, "last_week": 7}
# How many reasons the attention block names (the full ranking is further down the page).
TOP_REASONS = 3


@dataclass(frozen=True, slots=True)
class Comparison:
    """Today against an earlier day: that day's figures, and whether today differs beyond
    chance (None: one of the two has too few answers to tell)."""

    key: str  # "yesterday" or "last_week"
    day: date
    n: int
    satisfied: float | None
    change: Literal["up", "down", "same"] | None


@dataclass(frozen=True, slots=True)
class KioskHealth:
    online: int
    total: int
    troubled: tuple[str, ...]  # the kiosks that need a look, by id


def weakest_counter(rows: Sequence[CellRow], min_n: int) -> CellRow | None:
    """The counter with the lowest satisfied share today, of those with at least ``min_n``
    answers (a smaller cell is too weak to single out)."""
    enough = [r for r in rows if r.n >= min_n and r.satisfied is not None and not r.withheld]
    return min(enough, key=lambda r: (r.satisfied, -r.n), default=None)


def weakest_factor(rows: Sequence[QuestionRow], min_n: int) -> QuestionRow | None:
    """The factor question with the lowest satisfied share today, among those with enough."""
    enough = [r for r in rows if r.id != OVERALL and r.factor and r.n >= min_n
              and r.satisfied is not None]
    return min(enough, key=lambda r: (r.satisfied, -r.n), default=None)


def comparisons(days: Sequence[DayPoint], min_n: int) -> tuple[Comparison, ...]:
    """Today (the last of ``days``) against each day of :data:`COMPARED` found in ``days``."""
    if not days:
        return ()
    today = days[-1]
    by_day = {p.day: p for p in days}
    found = []
    for key, back in COMPARED.items():
        other = by_day.get(today.day - timedelta(days=back))
        if other is None:
            continue
        found.append(Comparison(key, other.day, other.n, other.satisfied,
                                change(today, other, min_n)))
    return tuple(found)


def change(today: DayPoint, other: DayPoint, min_n: int) -> Literal["up", "down", "same"] | None:
    if today.n < min_n or other.n < min_n or today.satisfied is None or other.satisfied is None:
        return None
    if overlap(today.ci, other.ci) is not False:
        return "same"
    return "up" if today.satisfied > other.satisfied else "down"


def kiosk_health(kiosks: Sequence[Mapping[str, Any]]) -> KioskHealth:
    """How many kiosks are online, and those that need a look: not online, seqs missing, a
    skewed clock, a failing scanner or a paused outbox (a few unsent ratings while online are
    normal)."""
    troubled = tuple(str(k["kiosk"]) for k in kiosks
                     if k.get("state") != "online" or k.get("missing") or k.get("clock_skewed")
                     or k.get("scanner") == "error" or k.get("storage"))
    online = sum(1 for k in kiosks if k.get("state") == "online")
    return KioskHealth(online, len(kiosks), troubled)


def top_reasons(reasons: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list(reasons.get("reasons", ()))[:TOP_REASONS]
