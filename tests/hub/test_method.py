"""docs/method.md's worked example, computed by hand there and by hub/scores/method.py here."""

from __future__ import annotations

import math

import pytest

from hub.scores.method import comprehensive, hospital_figures, on_ten, sipas_index
from hub.scores.scores import factor_scores, mean_interval, rating_score

# The example's month at one office (docs/method.md, "Worked example"): one item per factor.
EXAMPLE = {"overall": [2, 3, 5, 40, 50], "access": [0, 5, 15, 50, 30],
           "procedure": [0, 1, 4, 25, 20], "officer": [2, 4, 6, 18, 10],
           "result": [1, 1, 3, 10, 5], "feedback": [1, 1, 2, 4, 2]}
FACTOR = {"overall": "overall", "access": "1", "procedure": "2", "officer": "3", "result": "4",
          "feedback": "5", "reach": "1", "information": "2", "amenities": "3", "staff": "4",
          "outcome": "5"}


def factor_of(_questionnaire: str, question: str) -> str | None:
    return FACTOR.get(question)


def rows(dists: dict[str, list[int]]) -> list[dict[str, object]]:
    return [{"questionnaire": "q@1", "question": q, **{f"d{i + 1}": c for i, c in enumerate(d)}}
            for q, d in dists.items()]


def test_the_satisfied_share_and_mean_of_the_overall_question() -> None:
    overall = rating_score(EXAMPLE["overall"])
    # 40 + 50 of 100; mean (2 + 6 + 15 + 160 + 250) / 100 = 4.33
    assert overall["satisfied"] == 0.9 and overall["mean"] == pytest.approx(4.33)
    # Σ c·i² − n·m² = 1949 − 1874.89 = 74.11; s² = 74.11 / 99; half = 1.96 · √(s² / 100)
    lo, hi = overall["mean_ci95"]
    assert lo == pytest.approx(4.33 - 0.16958, abs=1e-4)
    assert hi == pytest.approx(4.33 + 0.16958, abs=1e-4)
    assert on_ten(4.33) == pytest.approx(8.325)


def test_the_ten_point_scale_maps_the_ends_and_the_neutral_answer() -> None:
    assert (on_ten(1), on_ten(3), on_ten(5), on_ten(None)) == (0, 5, 10, None)


def test_the_mean_needs_two_answers_to_have_an_interval() -> None:
    assert mean_interval([0, 0, 1, 0, 0]) is None
    assert mean_interval([0, 0, 0, 0, 2]) == (5.0, 5.0)


def test_the_sipas_index_is_the_mean_of_the_five_factors_by_the_delta_method() -> None:
    factors = factor_scores(rows(EXAMPLE), factor_of)
    index = sipas_index(factors, min_n=30)
    # (.80 + .90 + .70 + .75 + .60) / 5 = .75, whereas the overall question says .90
    assert index["value"] == pytest.approx(0.75)
    # Var = (.8·.2/100 + .9·.1/50 + .7·.3/40 + .75·.25/20 + .6·.4/10) / 25 = .042025 / 25
    #     = .001681 = .041²; half = 1.959964 · .041 = .080359
    lo, hi = index["ci95"]
    assert lo == pytest.approx(0.75 - 0.080359, abs=1e-6)
    assert hi == pytest.approx(0.75 + 0.080359, abs=1e-6)
    assert index["n"] == 10 and index["too_few"] is True and index["missing"] == []


def test_no_index_without_all_five_factors() -> None:
    partial = {q: d for q, d in EXAMPLE.items() if q != "feedback"}
    index = sipas_index(factor_scores(rows(partial), factor_of))
    assert index["value"] is None and index["ci95"] is None and index["missing"] == ["5"]


def test_a_factor_all_satisfied_still_widens_the_interval() -> None:
    # five factors, 4 of 4 satisfied each: p is taken as 1 − 0.5/4 = .875 for the variance
    factors = factor_scores(rows({q: [0, 0, 0, 0, 4] for q in list(EXAMPLE)[1:]}), factor_of)
    index = sipas_index(factors)
    half = 1.959964 * math.sqrt(5 * (0.875 * 0.125 / 4)) / 5
    assert index["value"] == 1.0
    assert index["ci95"][0] == pytest.approx(1 - half, abs=1e-6) and index["ci95"][1] == 1.0


# The hospital example: five respondents of a hospital form (docs/method.md).
RESPONDENTS = [
    {"overall": 5, "reach": 5, "information": 4, "amenities": 4, "staff": 5, "outcome": 4},
    {"overall": 4, "reach": 4, "information": 3, "amenities": 4, "staff": 4, "outcome": 5},
    {"overall": 5, "reach": 5, "staff": 5},  # skipped three sections
    {"overall": 2},  # answered no section: not counted
    {"overall": 3, "reach": 2, "information": 5, "amenities": 5, "staff": 5, "outcome": 5},
]


def test_the_ministry_of_healths_hospital_figures() -> None:
    dists: dict[str, list[int]] = {}
    for answers in RESPONDENTS:
        for question, value in answers.items():
            dists.setdefault(question, [0] * 5)[value - 1] += 1
    figures = hospital_figures(rows(dists), [("hospital@1", a) for a in RESPONDENTS], factor_of)
    pooled = figures["all_answers"]
    # 17 section answers, 15 of them 4 or 5; their sum is 22 + 20 + 10 + 22 = 74
    assert pooled["n"] == 17 and pooled["satisfied"] == pytest.approx(15 / 17)
    assert pooled["mean"] == pytest.approx(74 / 17)
    assert pooled["mean10"] == pytest.approx(2.5 * (74 / 17 - 1))
    whole = figures["comprehensive"]
    # respondents 1 and 3 of the 4 who answered a section gave nothing below 4
    assert (whole["n"], whole["satisfied"], whole["share"]) == (4, 2, 0.5)
    assert whole["ci95"][0] < 0.5 < whole["ci95"][1]


def test_comprehensive_ignores_non_rating_answers() -> None:
    found = comprehensive([("h@1", {"reach": 5, "care-reasons": ["long-wait"], "staff": True})],
                          factor_of)
    assert (found["n"], found["satisfied"]) == (1, 1)
