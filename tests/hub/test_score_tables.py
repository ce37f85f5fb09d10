"""The hub's pure functions against hand-computed tables: factors, breakdowns, min n, ranking,
reasons, response rate, seq gaps, bursts and the alert rule."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from hub.scores.alerts import evaluate
from hub.scores.credibility import Answered, find_bursts, skewed
from hub.scores.scores import (
    breakdown,
    factor_scores,
    office_scores,
    period_key,
    period_keys,
    ranking,
    reasons_ranking,
    response_rate,
)
from hub.settings import AlertRule
from hub.store.seqgaps import add_seqs, missing_count


def dist_row(question: str, d: list[int], **extra: object) -> dict[str, object]:
    return {"question": question, **{f"d{i + 1}": c for i, c in enumerate(d)}, **extra}


FACTORS = {("q@1", "overall"): "overall", ("q@1", "officer"): "3", ("q@1", "polite"): "3",
           ("q@1", "access"): "1"}


def factor_of(questionnaire: str, question: str) -> str | None:
    return FACTORS.get((questionnaire, question))


def test_a_factor_pools_its_items_and_averages_their_shares() -> None:
    rows = [
        # officer: 4 answers, 3 satisfied (3/4 = .75); polite: 6 answers, 2 satisfied (1/3)
        dist_row("officer", [0, 1, 0, 2, 1], questionnaire="q@1"),
        dist_row("polite", [2, 1, 1, 1, 1], questionnaire="q@1"),
        dist_row("overall", [0, 0, 1, 0, 1], questionnaire="q@1"),
        dist_row("access", [0, 0, 0, 0, 0], questionnaire="q@1"),  # empty item
        dist_row("visits-ish", [1, 0, 0, 0, 0], questionnaire="q@1"),  # no factor
        dist_row("officer", [1, 0, 0, 0, 0], questionnaire="other@9"),  # unknown questionnaire
    ]
    factors = factor_scores(rows, factor_of)
    assert list(factors) == ["overall", "1", "3"]
    three = factors["3"]
    # pooled: dist [2,2,1,3,2] → n 10, satisfied 5/10; items mean (.75 + 1/3) / 2 = .541666…
    assert three["dist"] == [2, 2, 1, 3, 2] and three["n"] == 10
    assert three["satisfied"] == pytest.approx(0.5)
    assert three["items_mean"] == pytest.approx((0.75 + 1 / 3) / 2)
    assert three["items"] == ["officer", "polite"]
    assert factors["1"]["n"] == 0 and factors["1"]["items_mean"] is None
    assert factors["1"]["satisfied"] is None
    assert factors["overall"]["satisfied"] == pytest.approx(0.5)


def test_the_scores_document_keeps_the_foundation_shape_and_adds_keys() -> None:
    doc = office_scores("o", date(2026, 1, 1), date(2026, 1, 2), 5,
                        [dist_row("overall", [0, 0, 0, 1, 1], questionnaire="q@1")],
                        factor_of=factor_of, min_n=30)
    assert {"office", "from", "to", "responses", "questions"} <= set(doc)
    assert doc["questions"]["overall"]["too_few"] is True and doc["min_n"] == 30
    assert doc["factors"]["overall"]["n"] == 2


def test_breakdown_labels_small_cells_and_keeps_empty_ones() -> None:
    responses = [{"counter": "1", "n": 31}, {"counter": "2", "n": 3}]
    ratings = [dist_row("overall", [1, 0, 0, 10, 20], counter="1"),
               dist_row("access", [0, 0, 0, 0, 2], counter="2"),
               dist_row("overall", [0, 0, 1, 1, 0], counter="2")]
    cells = breakdown(["1", "2", "3"], responses, ratings, 30, lambda row: str(row["counter"]))
    by_key = {c["key"]: c for c in cells}
    assert [c["key"] for c in cells] == ["1", "2", "3"]
    assert by_key["1"]["too_few"] is False and by_key["1"]["responses"] == 31
    assert by_key["1"]["questions"]["overall"]["satisfied"] == pytest.approx(30 / 31)
    # counter 2: overall n = 2 (the headline), below 30 even though 3 responses
    assert by_key["2"]["too_few"] is True and by_key["2"]["questions"]["overall"]["n"] == 2
    assert by_key["2"]["questions"]["access"]["too_few"] is True
    assert by_key["3"] == {"key": "3", "responses": 0, "questions": {}, "too_few": True}


def test_periods_group_days_into_iso_weeks_and_months() -> None:
    assert period_key(date(2026, 11, 26), "week") == "2026-11-23"  # a Thursday → its Monday
    assert period_key(date(2026, 11, 26), "month") == "2026-11"
    assert period_keys(date(2026, 11, 29), date(2026, 12, 1), "day") == [
        "2026-11-29", "2026-11-30", "2026-12-01"]
    assert period_keys(date(2026, 11, 29), date(2026, 12, 8), "week") == [
        "2026-11-23", "2026-11-30", "2026-12-07"]
    assert period_keys(date(2026, 11, 29), date(2026, 12, 8), "month") == ["2026-11", "2026-12"]
    rows = [{"day": date(2026, 11, 30), "n": 2}, {"day": date(2026, 12, 2), "n": 3}]
    cells = breakdown(period_keys(date(2026, 11, 29), date(2026, 12, 8), "week"), rows, [], 1,
                      lambda row: period_key(row["day"], "week"))
    assert [(c["key"], c["responses"]) for c in cells] == [
        ("2026-11-23", 0), ("2026-11-30", 5), ("2026-12-07", 0)]


def test_ranking_excludes_and_labels_cells_below_min_n() -> None:
    entries = [
        ("a", [0, 0, 0, 10, 20]),   # 30/30 = 1.0, n 30
        ("b", [5, 0, 0, 0, 35]),    # 35/40 = .875
        ("c", [0, 0, 0, 0, 3]),     # 3 answers: "100 %" that means nothing
        ("d", [1, 1, 1, 17, 20]),   # 37/40 = .925
        ("e", [0, 0, 0, 0, 0]),     # nothing at all
    ]
    result = ranking(entries, min_n=30)
    assert [(e["key"], e["rank"]) for e in result["ranked"]] == [("a", 1), ("d", 2), ("b", 3)]
    assert result["ranked"][1]["satisfied"] == pytest.approx(0.925)
    assert result["too_few"] == [{"key": "c", "n": 3, "too_few": True},
                                 {"key": "e", "n": 0, "too_few": True}]
    by_lower = ranking(entries, min_n=30, sort="lower")
    # Wilson lower bounds: a (30/30) .886, d (37/40) .801, b (35/40) .739
    assert [e["key"] for e in by_lower["ranked"]] == ["a", "d", "b"]
    assert by_lower["ranked"][0]["satisfied_ci95"][0] == pytest.approx(0.8865, abs=1e-4)


def test_reasons_are_ranked_with_their_share_of_low_ratings() -> None:
    ranked = reasons_ranking({"wait": 3, "impolite": 5, "fees": 3}, low_answers=8)
    assert ranked == [{"reason": "impolite", "count": 5, "share": 5 / 8},
                      {"reason": "fees", "count": 3, "share": 3 / 8},
                      {"reason": "wait", "count": 3, "share": 3 / 8}]
    assert reasons_ranking({"wait": 1}, 0) == [{"reason": "wait", "count": 1, "share": None}]


def test_response_rate_uses_only_days_with_a_known_count() -> None:
    assert response_rate(0, 0, 0, 7) is None
    assert response_rate(12, 48, 2, 7) == {"responses": 12, "dossiers": 48, "rate": 0.25,
                                           "days_known": 2, "days": 7}
    assert response_rate(3, 0, 1, 1)["rate"] is None


def test_seq_gaps_split_shrink_and_vanish() -> None:
    gaps, top = add_seqs([], 0, [1, 2, 5, 9])
    assert (gaps, top) == ([(3, 4), (6, 8)], 9)
    gaps, top = add_seqs(gaps, top, [7, 3, 3, 2])  # 2 and the second 3 are repeats
    assert (gaps, top) == ([(4, 4), (6, 6), (8, 8)], 9)
    gaps, top = add_seqs(gaps, top, [4, 6, 8, 12])
    assert (gaps, top) == ([(10, 11)], 12)
    assert missing_count(gaps, top) == 2
    assert missing_count(gaps, top, last_created=20) == 10  # 10-11, and 13-20 never arrived
    assert missing_count([], 5, last_created=3) == 0


def test_bursts_need_enough_identical_answers_within_the_window() -> None:
    start = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
    same = '{"overall":5}'
    items = [Answered("k1", start + timedelta(seconds=10 * i), same) for i in range(6)]
    items += [Answered("k1", start + timedelta(seconds=25), '{"overall":4}')]
    items += [Answered("k2", start + timedelta(seconds=i), same) for i in range(4)]  # only 4
    items += [Answered("k3", start + timedelta(minutes=5 * i), same) for i in range(8)]  # slow
    items += [Answered("k4", start + timedelta(seconds=i), "{}") for i in range(9)]  # empty
    bursts = find_bursts(items, min_count=5, window=timedelta(seconds=120))
    assert [(b.kiosk, b.count, b.first, b.last) for b in bursts] == [
        ("k1", 6, start, start + timedelta(seconds=50))]
    # two separate bursts of one kiosk, far apart
    later = [Answered("k1", start + timedelta(hours=1, seconds=i), same) for i in range(5)]
    assert [b.count for b in find_bursts([*items, *later], 5, timedelta(seconds=120))] == [6, 5]
    assert skewed(-301, 300) and not skewed(299, 300) and not skewed(None, 300)


def test_the_alert_rule_needs_both_the_share_and_the_count() -> None:
    rule = AlertRule()  # type: ignore[call-arg]  # ≥ 50 % answers 1–2, at least 4 answers
    answers = [("1", 1), ("1", 2), ("1", 5), ("1", 4),      # 2 of 4: alert
               ("2", 1), ("2", 1), ("2", 1),               # 3 of 3: too few answers
               ("3", 3), ("3", 1), ("3", 5), ("3", 4), ("3", 5)]  # 1 of 5
    triggers = evaluate(rule, answers)
    assert [(t.counter, t.n, t.low, t.share) for t in triggers] == [("1", 4, 2, 0.5)]
    # answers ≤ 3 are low, 3 answers suffice: 2 of 4, 3 of 3, but counter 3 has 2 of 5
    wider = AlertRule(low_max=3, min_responses=3)  # type: ignore[call-arg]
    assert [t.counter for t in evaluate(wider, answers)] == ["1", "2"]
    assert evaluate(AlertRule(enabled=False), answers) == []  # type: ignore[call-arg]
