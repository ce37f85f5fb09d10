"""The method's composite figures as pure functions: the SIPAS index (mean of the five factor
indices), the mean on the 10-point scale, and the Ministry of Health's hospital figures.

docs/method.md defines every figure, with a worked example; tests/test_method.py checks these
functions against that example's hand-computed numbers. Nothing here touches a database.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from hub.scores.scores import Z95, FactorOf, add_dist, rating_score, wilson

# The five SIPAS factors (or a hospital form's five sections) whose indices make the index;
# the overall question ("đánh giá chung") is shown beside it, never inside it.
FACTORS = ("1", "2", "3", "4", "5")
OVERALL = "overall"
# The 10-point scale maps the 1–5 answers linearly so that 1 → 0, 3 (neutral) → 5 and 5 → 10.
TEN_PER_STEP = 10 / 4


def on_ten(mean: float | None) -> float | None:
    """A mean on the 1–5 scale written on the 10-point scale: 2.5 × (mean − 1)."""
    return None if mean is None else TEN_PER_STEP * (mean - 1)


def with_ten(score: Mapping[str, Any]) -> dict[str, Any]:
    """A score with its mean and the mean's interval also on the 10-point scale."""
    ci = score.get("mean_ci95")
    return {**score, "mean10": on_ten(score.get("mean")),
            "mean10_ci95": [on_ten(ci[0]), on_ten(ci[1])] if ci else None}


def _variance(satisfied: int, n: int) -> float:
    """The variance of one factor's satisfied share (binomial, p(1 − p)/n). A share of exactly
    0 or 1 is taken as half an answer off the edge, so a small all-satisfied factor still
    widens the index's interval instead of counting as certain."""
    p = satisfied / n
    if satisfied in (0, n):
        p = abs(p - 0.5 / n)
    return p * (1 - p) / n


def index_variance(factors: Iterable[tuple[int, int]]) -> float:
    """The delta-method variance of the SIPAS index from its five factors' (answers 4–5, n):
    Σ p_k(1 − p_k)/n_k / 25 (docs/method.md §4)."""
    return sum(_variance(x, n) for x, n in factors) / len(FACTORS) ** 2


def sipas_index(factors: Mapping[str, Mapping[str, Any]], min_n: int | None = None
                ) -> dict[str, Any]:
    """The SIPAS index: the unweighted mean of the five factor indices (each the satisfied
    share of its items' pooled answers), with a 95 % interval by the delta method, the factors
    taken as independent proportions: Var = Σ p_k(1 − p_k)/n_k / 25.

    ``n`` is the smallest factor's n (the index is as solid as its weakest factor); with a
    factor unanswered there is no index and ``missing`` names the factors without answers."""
    present: dict[str, tuple[int, int]] = {}
    for key in FACTORS:
        score = factors.get(key)
        dist = score.get("dist") if score else None
        if dist and sum(dist):
            present[key] = (int(dist[3]) + int(dist[4]), int(sum(dist)))
    missing = [k for k in FACTORS if k not in present]
    n = min((n for _, n in present.values()), default=0)
    document: dict[str, Any] = {"factors": list(FACTORS), "missing": missing, "n": n,
                                "value": None, "ci95": None, "mean10": None}
    if not missing:
        value = sum(x / n_k for x, n_k in present.values()) / len(FACTORS)
        variance = index_variance(present.values())
        half = Z95 * math.sqrt(variance)
        document.update(value=value, ci95=[max(0.0, value - half), min(1.0, value + half)])
    if min_n is not None:
        document["too_few"] = n < min_n
    return document


# -- hospitals: the Ministry of Health's figures -------------------------------------------
def section_items(rating_rows: Iterable[Mapping[str, Any]], factor_of: FactorOf
                  ) -> list[int]:
    """The pooled distribution of every answer to the form's sections (factors 1–5)."""
    pooled = [0] * 5
    for row in rating_rows:
        if factor_of(str(row.get("questionnaire", "")), str(row["question"])) in FACTORS:
            add_dist(pooled, [int(row[f"d{i}"] or 0) for i in range(1, 6)])
    return pooled


def comprehensive(respondents: Iterable[tuple[str, Mapping[str, Any]]], factor_of: FactorOf
                  ) -> dict[str, Any]:
    """Chỉ số hài lòng toàn diện: the share of respondents whose every answer to the form's
    sections is 4 or 5, over the respondents who answered at least one (skips ignored).
    ``respondents`` are (questionnaire, answers) pairs; a Wilson interval over respondents."""
    counted = satisfied = 0
    for questionnaire, answers in respondents:
        given = [v for q, v in answers.items()
                 if isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 5
                 and factor_of(questionnaire, q) in FACTORS]
        if not given:
            continue
        counted += 1
        satisfied += all(v >= 4 for v in given)
    interval = wilson(satisfied, counted)
    return {"n": counted, "satisfied": satisfied,
            "share": satisfied / counted if counted else None,
            "ci95": list(interval) if interval else None}


def hospital_figures(rating_rows: Sequence[Mapping[str, Any]],
                     respondents: Iterable[tuple[str, Mapping[str, Any]]],
                     factor_of: FactorOf) -> dict[str, Any]:
    """The figures hospital survey summaries publish (Ministry of Health practice): the overall
    satisfied share and the mean over every answer of the sections, and the comprehensive
    index over respondents."""
    pooled = with_ten(rating_score(section_items(rating_rows, factor_of)))
    return {"sections": list(FACTORS), "all_answers": pooled,
            "comprehensive": comprehensive(respondents, factor_of)}
