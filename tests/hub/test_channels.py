"""The channel comparison (hub/scores/channels.py) against hand-computed Wilson intervals."""

from __future__ import annotations

from typing import Any

import pytest

from hub.scores.channels import compare_channels, overlap


def row(channel: str, question: str, dist: list[int]) -> dict[str, Any]:
    return {"channel": channel, "questionnaire": "sipas@1", "question": question,
            **{f"d{i + 1}": count for i, count in enumerate(dist)}}


FACTORS = {"overall": "overall", "access": "1", "officer": "3"}

# By hand, z = 1.959964, z² = 3.841459, n = 10:
#   8 of 10: centre (0.8 + 0.192073) / 1.384146 = 0.716740,
#            half 1.959964 · √(0.016 + 0.0096036) / 1.384146 = 0.226577 → [0.4902, 0.9433]
#   1 of 10: centre (0.1 + 0.192073) / 1.384146 = 0.211013,
#            half 1.959964 · √(0.009 + 0.0096036) / 1.384146 = 0.193136 → [0.0179, 0.4041]
# 0.4041 < 0.4902: the intervals do not overlap, so the phone survey differs on "overall".
ROWS = [row("kiosk", "overall", [0, 0, 2, 3, 5]), row("phone", "overall", [5, 3, 1, 1, 0]),
        row("kiosk", "access", [0, 0, 1, 1, 0]), row("phone", "access", [0, 1, 0, 1, 0]),
        row("kiosk", "officer", [0, 0, 0, 0, 4])]


def test_intervals_that_do_not_overlap_are_marked() -> None:
    result = compare_channels(ROWS, lambda _q, question: FACTORS.get(question), min_n=5)
    assert result["channels"] == ["kiosk", "phone"] and result["baseline"] == "kiosk"
    by_key = {item["key"]: item for item in result["questions"]}
    assert list(by_key) == ["overall", "access", "officer"]
    overall = by_key["overall"]
    kiosk, phone = overall["channels"]["kiosk"], overall["channels"]["phone"]
    assert (kiosk["n"], kiosk["satisfied"], phone["n"], phone["satisfied"]) == (10, 0.8, 10, 0.1)
    assert kiosk["satisfied_ci95"] == pytest.approx([0.4902, 0.9433], abs=1e-4)
    assert phone["satisfied_ci95"] == pytest.approx([0.0179, 0.4041], abs=1e-4)
    assert overall["differs"] == {"phone": True} and overall["marked"] is True
    # 1 of 2 against 1 of 2: the same interval, no mark
    assert by_key["access"]["differs"] == {"phone": False} and by_key["access"]["marked"] is False
    assert by_key["access"]["channels"]["phone"]["too_few"] is True
    # nothing to compare without phone answers
    assert by_key["officer"]["channels"]["phone"] == {"n": 0, "satisfied": None,
                                                     "satisfied_ci95": None, "too_few": True}
    assert by_key["officer"]["differs"] == {"phone": None} and by_key["officer"]["marked"] is False


def test_factors_are_compared_on_their_pooled_answers() -> None:
    result = compare_channels(ROWS, lambda _q, question: FACTORS.get(question))
    factors = {item["key"]: item for item in result["factors"]}
    assert list(factors) == ["overall", "1", "3"]
    assert factors["overall"]["differs"] == {"phone": True}
    assert factors["1"]["items"] == ["access"]
    assert factors["3"]["channels"]["kiosk"]["n"] == 4 and factors["3"]["differs"] == {"phone": None}


def test_only_kiosk_ratings_give_one_channel_and_no_marks() -> None:
    result = compare_channels([row("kiosk", "overall", [0, 0, 0, 1, 1])])
    assert result["channels"] == ["kiosk"]
    assert result["questions"][0]["differs"] == {} and "factors" not in result


def test_overlap() -> None:
    assert overlap([0.1, 0.3], [0.3, 0.5]) is True
    assert overlap([0.1, 0.29], [0.3, 0.5]) is False
    assert overlap(None, [0.3, 0.5]) is None
