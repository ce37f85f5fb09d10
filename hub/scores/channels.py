"""Kiosk and survey channels side by side: per question and factor, each channel's n, satisfied
share and 95 % interval, and whether a survey channel differs from the kiosk.

A difference is marked only when the two 95 % (Wilson) intervals do not overlap: a cautious
rule, chosen so that a mark means something to a reader who is not a statistician. Pure
functions over rollup sums (rows with ``channel``, ``questionnaire``, ``question``, ``d1``..
``d5``), tested with hand-computed numbers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from hub.scores.scores import FactorOf, factor_scores, question_scores
from hub.store.tables import KIOSK_CHANNEL


def overlap(a: Sequence[float] | None, b: Sequence[float] | None) -> bool | None:
    """Whether two intervals share a point; None when either is missing (nothing to compare)."""
    if not a or not b:
        return None
    return a[0] <= b[1] and b[0] <= a[1]


def ordered_channels(channels: Iterable[str], baseline: str = KIOSK_CHANNEL) -> list[str]:
    return sorted(set(channels), key=lambda c: (c != baseline, c))


def _entry(score: Mapping[str, Any] | None) -> dict[str, Any]:
    if score is None:
        return {"n": 0, "satisfied": None, "satisfied_ci95": None}
    return {"n": score["n"], "satisfied": score["satisfied"],
            "satisfied_ci95": score["satisfied_ci95"]}


def _side_by_side(per_channel: Mapping[str, Mapping[str, Mapping[str, Any]]],
                  channels: Sequence[str], baseline: str, min_n: int | None
                  ) -> list[dict[str, Any]]:
    keys: list[str] = []
    for scores in per_channel.values():
        keys.extend(k for k in scores if k not in keys)
    items = []
    for key in keys:
        entries = {c: _entry(per_channel.get(c, {}).get(key)) for c in channels}
        if min_n is not None:
            for entry in entries.values():
                entry["too_few"] = entry["n"] < min_n
        base = entries.get(baseline)
        differs: dict[str, bool | None] = {}
        for channel in channels:
            if channel == baseline:
                continue
            shared = overlap(base["satisfied_ci95"] if base else None,
                             entries[channel]["satisfied_ci95"])
            differs[channel] = None if shared is None else not shared
        items.append({"key": key, "channels": entries, "differs": differs,
                      "marked": any(differs.values())})
    return items


def compare_channels(rating_rows: Iterable[Mapping[str, Any]], factor_of: FactorOf | None = None,
                     baseline: str = KIOSK_CHANNEL, min_n: int | None = None
                     ) -> dict[str, Any]:
    """Per question (and, with ``factor_of``, per SIPAS factor): every channel's n, satisfied
    share and interval, and for each channel other than ``baseline`` whether its interval
    misses the baseline's (``differs``: True, False, or None when either has no answers)."""
    rows_of: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for row in rating_rows:
        rows_of[str(row["channel"])].append(row)
    channels = ordered_channels([*rows_of, baseline], baseline)
    questions = {c: question_scores(rows_of.get(c, ())) for c in channels}
    result: dict[str, Any] = {
        "baseline": baseline, "channels": channels,
        "questions": _side_by_side(questions, channels, baseline, min_n)}
    if factor_of is not None:
        factors = {c: factor_scores(rows_of.get(c, ()), factor_of) for c in channels}
        ordered = _side_by_side(factors, channels, baseline, min_n)
        ordered.sort(key=lambda item: (item["key"] != "overall", item["key"]))
        for item in ordered:
            item["items"] = sorted({q for c in channels for q in
                                    factors[c].get(item["key"], {}).get("items", [])})
        result["factors"] = ordered
    return result
