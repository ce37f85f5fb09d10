"""Scores are pure functions over rollups; checked against hand-computed tables."""

from __future__ import annotations

from datetime import date

import pytest

from hub.scores.scores import office_scores, rating_score, wilson


def test_wilson_matches_hand_computation() -> None:
    # 8 satisfied of 10: p = .8, z² = 3.8415; centre = (.8 + 3.8415/20) / 1.38415 = .71674,
    # half = 1.96 * sqrt(.016 + 3.8415/400) / 1.38415 = .22658 → [.4902, .9433]
    lo, hi = wilson(8, 10)  # type: ignore[misc]
    assert lo == pytest.approx(0.4902, abs=1e-4)
    assert hi == pytest.approx(0.9433, abs=1e-4)
    assert wilson(0, 0) is None
    lo, hi = wilson(0, 5)  # type: ignore[misc]
    assert lo == 0.0 and hi == pytest.approx(0.4345, abs=1e-4)
    lo, hi = wilson(5, 5)  # type: ignore[misc]
    assert hi == 1.0 and lo == pytest.approx(0.5655, abs=1e-4)


def test_rating_score_from_a_distribution() -> None:
    # answers: 1 ×1, 2 ×1, 3 ×2, 4 ×3, 5 ×3 → n 10, sum 1+2+6+12+15 = 36, satisfied 6/10
    score = rating_score([1, 1, 2, 3, 3])
    assert score["n"] == 10
    assert score["mean"] == pytest.approx(3.6)
    assert score["dist"] == [1, 1, 2, 3, 3]
    assert score["satisfied"] == pytest.approx(0.6)
    lo, hi = score["satisfied_ci95"]
    assert lo < 0.6 < hi


def test_an_empty_cell_has_no_share() -> None:
    score = rating_score([0, 0, 0, 0, 0])
    assert score == {"n": 0, "mean": None, "mean_ci95": None, "dist": [0, 0, 0, 0, 0],
                     "satisfied": None,
                     "satisfied_ci95": None}


def test_a_single_rating_is_not_a_certainty() -> None:
    score = rating_score([1, 0, 0, 0, 0])
    assert score["satisfied"] == 0.0
    lo, hi = score["satisfied_ci95"]
    assert lo == 0.0 and hi > 0.75  # "100 % dissatisfied" from one tap means almost nothing


def test_office_scores_adds_rows_of_one_question() -> None:
    rows = [
        {"question": "overall", "d1": 0, "d2": 1, "d3": 0, "d4": 2, "d5": 1},
        {"question": "overall", "d1": 1, "d2": 0, "d3": 0, "d4": 0, "d5": 3},  # other version
        {"question": "access", "d1": 0, "d2": 0, "d3": 1, "d4": 0, "d5": 0},
    ]
    doc = office_scores("ubnd-a", date(2026, 11, 1), date(2026, 11, 30), 9, rows)
    assert doc["office"] == "ubnd-a" and doc["from"] == "2026-11-01" and doc["to"] == "2026-11-30"
    assert doc["responses"] == 9
    assert list(doc["questions"]) == ["overall", "access"]
    overall = doc["questions"]["overall"]
    assert overall["dist"] == [1, 1, 0, 2, 4]
    assert overall["n"] == 8
    assert overall["satisfied"] == pytest.approx(6 / 8)
    assert overall["mean"] == pytest.approx((1 + 2 + 8 + 20) / 8)
    assert doc["questions"]["access"]["satisfied"] == 0.0
