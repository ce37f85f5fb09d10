"""Scores as pure functions over rollup sums: satisfied share, mean, distribution, Wilson interval.

The published SIPAS figure is the share of answers 4 or 5 among the answers given (skips do not
count). Nothing here touches a database or a clock, so it is tested with hand-computed tables.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

# z for a two-sided 95 % interval.
Z95 = 1.959963984540054


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson's score interval for a proportion; None when there is nothing to estimate."""
    if n <= 0:
        return None
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def rating_score(dist: Sequence[int]) -> dict[str, Any]:
    """n, mean, distribution, satisfied share and its 95 % interval from counts of 1..5."""
    if len(dist) != 5:
        raise ValueError("a distribution has five counts, for answers 1 to 5")
    counts = [int(c) for c in dist]
    n = sum(counts)
    satisfied = counts[3] + counts[4]
    return {
        "n": n,
        "mean": (sum((i + 1) * c for i, c in enumerate(counts)) / n) if n else None,
        "dist": counts,
        "satisfied": satisfied / n if n else None,
        "satisfied_ci95": list(wilson(satisfied, n)) if n else None,
    }


def dist_of(row: Mapping[str, Any]) -> list[int]:
    return [int(row[f"d{i}"] or 0) for i in range(1, 6)]


def office_scores(office: str, first: date, last: date, responses: int,
                  rating_rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The scores document of the API and of the retained ``scores`` topic.

    ``rating_rows`` carry ``question`` and ``d1``..``d5`` summed over the range; rows of one
    question may come split (e.g. per questionnaire version) and are added up.
    """
    by_question: dict[str, list[int]] = {}
    for row in rating_rows:
        acc = by_question.setdefault(str(row["question"]), [0] * 5)
        for i, count in enumerate(dist_of(row)):
            acc[i] += count
    return {
        "office": office,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "responses": int(responses),
        "questions": {q: rating_score(d) for q, d in sorted(by_question.items(),
                                                            key=lambda kv: _question_order(kv[0]))},
    }


# The default questionnaire's order, so documents read naturally; unknown ids follow by name.
_ORDER = ("overall", "access", "procedure", "officer", "result", "feedback")


def _question_order(question: str) -> tuple[int, str]:
    return (_ORDER.index(question), "") if question in _ORDER else (len(_ORDER), question)
