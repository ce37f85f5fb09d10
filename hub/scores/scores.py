"""Scores as pure functions over rollup sums: satisfied share, mean, distribution, Wilson interval.

The published SIPAS figure is the share of answers 4 or 5 among the answers given (skips do not
count). Nothing here touches a database or a clock, so it is tested with hand-computed tables.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any, Literal

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
    interval = wilson(satisfied, n)
    return {
        "n": n,
        "mean": (sum((i + 1) * c for i, c in enumerate(counts)) / n) if n else None,
        "dist": counts,
        "satisfied": satisfied / n if n else None,
        "satisfied_ci95": list(interval) if interval else None,
    }


def dist_of(row: Mapping[str, Any]) -> list[int]:
    return [int(row[f"d{i}"] or 0) for i in range(1, 6)]


def add_dist(acc: list[int], dist: Sequence[int]) -> list[int]:
    for i, count in enumerate(dist):
        acc[i] += count
    return acc


def question_dists(rating_rows: Iterable[Mapping[str, Any]]) -> dict[str, list[int]]:
    """Distributions per question id, rows of one question (e.g. per version) added up, in the
    questionnaire's natural order."""
    by_question: dict[str, list[int]] = {}
    for row in rating_rows:
        add_dist(by_question.setdefault(str(row["question"]), [0] * 5), dist_of(row))
    return dict(sorted(by_question.items(), key=lambda kv: _question_order(kv[0])))


def question_scores(rating_rows: Iterable[Mapping[str, Any]], min_n: int | None = None
                    ) -> dict[str, dict[str, Any]]:
    scores = {q: rating_score(d) for q, d in question_dists(rating_rows).items()}
    if min_n is not None:
        for score in scores.values():
            score["too_few"] = score["n"] < min_n
    return scores


def office_scores(office: str, first: date, last: date, responses: int,
                  rating_rows: Iterable[Mapping[str, Any]], *,
                  factor_of: FactorOf | None = None, min_n: int | None = None) -> dict[str, Any]:
    """The scores document of the API and of the retained ``scores`` topic.

    ``rating_rows`` carry ``question`` and ``d1``..``d5`` summed over the range; rows of one
    question may come split (e.g. per questionnaire version) and are added up. With
    ``factor_of`` (and rows that carry ``questionnaire``) the SIPAS factors are added; with
    ``min_n`` each question says whether it has too few answers to mean anything.
    """
    rows = list(rating_rows)
    document: dict[str, Any] = {
        "office": office,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "responses": int(responses),
        "questions": question_scores(rows, min_n),
    }
    if factor_of is not None:
        document["factors"] = factor_scores(rows, factor_of)
    if min_n is not None:
        document["min_n"] = min_n
    return document


# Which SIPAS factor ("overall", "1".."5") a question of a questionnaire belongs to, or None.
FactorOf = Callable[[str, str], str | None]


def factor_scores(rating_rows: Iterable[Mapping[str, Any]], factor_of: FactorOf
                  ) -> dict[str, dict[str, Any]]:
    """Per factor: the pooled score of all its items' answers, and the mean of the items'
    satisfied shares (each item counting once, as the SIPAS method averages items)."""
    items: dict[str, dict[str, list[int]]] = defaultdict(dict)
    for row in rating_rows:
        factor = factor_of(str(row.get("questionnaire", "")), str(row["question"]))
        if factor is None:
            continue
        add_dist(items[factor].setdefault(str(row["question"]), [0] * 5), dist_of(row))
    result: dict[str, dict[str, Any]] = {}
    for factor in sorted(items, key=lambda f: (f != "overall", f)):
        pooled = [0] * 5
        shares = []
        for dist in items[factor].values():
            add_dist(pooled, dist)
            n = sum(dist)
            if n:
                shares.append((dist[3] + dist[4]) / n)
        score = rating_score(pooled)
        score["items"] = sorted(items[factor], key=_question_order)
        score["items_mean"] = sum(shares) / len(shares) if shares else None
        result[factor] = score
    return result


# -- breakdowns ----------------------------------------------------------------------------
Period = Literal["day", "week", "month"]


def period_key(day: date, period: Period) -> str:
    """The bucket a day falls in: the day, the Monday of its ISO week, or its month."""
    if period == "day":
        return day.isoformat()
    if period == "week":
        return (day - timedelta(days=day.weekday())).isoformat()
    return day.strftime("%Y-%m")


def period_keys(first: date, last: date, period: Period) -> list[str]:
    """Every bucket of the range, in order, so empty days still appear (as n = 0)."""
    keys: list[str] = []
    day = first
    while day <= last:
        key = period_key(day, period)
        if not keys or keys[-1] != key:
            keys.append(key)
        day += timedelta(days=1)
    return keys


def breakdown(keys: Iterable[str], response_rows: Iterable[Mapping[str, Any]],
              rating_rows: Iterable[Mapping[str, Any]], min_n: int,
              key_of: Callable[[Mapping[str, Any]], str]) -> list[dict[str, Any]]:
    """One cell per key: responses, per-question scores, and whether the overall answers (or,
    without an overall question, the largest question) reach ``min_n``."""
    responses: dict[str, int] = defaultdict(int)
    for row in response_rows:
        responses[key_of(row)] += int(row["n"])
    ratings: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for row in rating_rows:
        ratings[key_of(row)].append(row)
    # Keys beyond ``keys`` (e.g. counters not in the roster) in their own order, not in the
    # order the database happened to return its rows (which a migration or VACUUM changes).
    ordered = list(dict.fromkeys([*keys, *sorted({*responses, *ratings})]))
    cells = []
    for key in ordered:
        questions = question_scores(ratings.get(key, ()), min_n)
        cells.append({"key": key, "responses": responses.get(key, 0), "questions": questions,
                      "too_few": headline_n(questions) < min_n})
    return cells


def headline_n(questions: Mapping[str, Mapping[str, Any]]) -> int:
    if "overall" in questions:
        return int(questions["overall"]["n"])
    return max((int(q["n"]) for q in questions.values()), default=0)


def ranking(entries: Iterable[tuple[str, Sequence[int]]], min_n: int,
            sort: Literal["satisfied", "lower"] = "satisfied") -> dict[str, list[dict[str, Any]]]:
    """Offices ranked by satisfied share (or by the interval's lower bound); those with fewer
    than ``min_n`` answers are listed apart, labelled, with no share and no rank."""
    ranked: list[dict[str, Any]] = []
    too_few: list[dict[str, Any]] = []
    for key, dist in entries:
        score = rating_score(dist)
        if score["n"] < min_n:
            too_few.append({"key": key, "n": score["n"], "too_few": True})
        else:
            ranked.append({"key": key, **score})
    if sort == "lower":
        ranked.sort(key=lambda e: (-e["satisfied_ci95"][0], -e["n"], e["key"]))
    else:
        ranked.sort(key=lambda e: (-e["satisfied"], -e["n"], e["key"]))
    for position, entry in enumerate(ranked, 1):
        entry["rank"] = position
    too_few.sort(key=lambda e: (-e["n"], e["key"]))
    return {"ranked": ranked, "too_few": too_few}


def reasons_ranking(counts: Mapping[str, int], low_answers: int) -> list[dict[str, Any]]:
    """Reasons by how often they were chosen, with the share of low ratings that chose each."""
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [{"reason": reason, "count": count,
             "share": count / low_answers if low_answers else None} for reason, count in ordered]


def response_rate(responses: int, dossiers: int, days_known: int, days: int
                  ) -> dict[str, Any] | None:
    """Responses over dossiers on the days whose dossier count is known; None when none is."""
    if days_known == 0:
        return None
    return {"responses": responses, "dossiers": dossiers,
            "rate": responses / dossiers if dossiers else None,
            "days_known": days_known, "days": days}


# The default questionnaire's order, so documents read naturally; unknown ids follow by name.
_ORDER = ("overall", "access", "procedure", "officer", "result", "feedback")


def _question_order(question: str) -> tuple[int, str]:
    return (_ORDER.index(question), "") if question in _ORDER else (len(_ORDER), question)
