"""The three aspects: pure functions over hand-computed tables, then the API's document on a
real hub (SQLite) with kiosk ratings, reasons, needs and an imported phone survey."""

from __future__ import annotations

import pytest

from hub.scores.aspects import needs_ranking, perceptions
from tests.support import RunningHub
from tests.support.surveys import EXAMPLE, NOVEMBER, call, seed_aspects


# -- pure ----------------------------------------------------------------------------------
def test_sensitive_reasons_are_counted_per_100_overall_answers() -> None:
    # 150 overall answers; harassment chosen 3 times, unofficial payment once, "wait" 9 times
    # (not sensitive: not listed here).
    seen = perceptions({"harassment": 3, "unofficial-payment": 1, "wait": 9},
                       ["harassment", "unofficial-payment"], 150)
    assert seen["denominator"] == "overall" and seen["ratings"] == 150 and seen["per"] == 100
    assert [(r["reason"], r["count"]) for r in seen["reasons"]] == [
        ("harassment", 3), ("unofficial-payment", 1)]
    harassment, payment = seen["reasons"]
    assert harassment["per_100"] == pytest.approx(2.0)  # 3 / 150 × 100
    assert payment["per_100"] == pytest.approx(0.6667, abs=1e-4)  # 1 / 150 × 100
    # Wilson, p = 0.02, n = 150, z = 1.96: centre (0.02 + 1.96²/300) / (1 + 1.96²/150) = 0.03199,
    # half 1.96·√(0.02·0.98/150 + 1.96²/90000) / 1.02561 = 0.02516 → 0.68 … 5.71 per 100.
    assert harassment["per_100_ci95"] == pytest.approx([0.6825, 5.7147], abs=1e-3)


def test_a_sensitive_reason_never_chosen_is_listed_with_zero_and_nothing_without_ratings() -> None:
    seen = perceptions({}, ["unofficial-payment"], 40)
    assert seen["reasons"][0]["count"] == 0 and seen["reasons"][0]["per_100"] == 0.0
    assert seen["reasons"][0]["per_100_ci95"][1] == pytest.approx(8.76, abs=0.01)  # 3.84/43.84
    empty = perceptions({"harassment": 0}, ["harassment", "harassment"], 0)
    assert empty["reasons"] == [{"reason": "harassment", "count": 0, "per_100": None,
                                 "per_100_ci95": None}]


def test_needs_are_ranked_with_shares_of_those_who_answered_summing_over_100() -> None:
    # 8 respondents answered; up to two choices each: 7 + 4 + 2 = 13 choices.
    needs = needs_ranking({"fees": 4, "shorter-wait": 7, "online-filing": 2},
                          ["shorter-wait", "fees", "online-filing", "other"], 8, 2)
    assert needs["answered"] == 8 and needs["chosen"] == 13 and needs["max_choices"] == 2
    assert [(c["choice"], c["count"], c["share"]) for c in needs["choices"]] == [
        ("shorter-wait", 7, 7 / 8), ("fees", 4, 4 / 8), ("online-filing", 2, 2 / 8),
        ("other", 0, 0.0)]
    assert sum(c["share"] for c in needs["choices"]) == pytest.approx(13 / 8)  # over 100 %
    none = needs_ranking({}, ["fees"], 0, 2)
    assert none["choices"] == [{"choice": "fees", "count": 0, "share": None}]


# -- the API -------------------------------------------------------------------------------
def test_the_aspects_document_counts_per_100_ratings_and_ranks_needs(
        survey_hub: RunningHub) -> None:
    seed_aspects(survey_hub)
    status, body = call(survey_hub, "GET", f"/api/v1/offices/demo/aspects?{NOVEMBER}")
    assert status == 200, body
    assert body["channel"] == "kiosk" and body["responses"] == 50
    seen = body["perceptions"]
    assert seen["denominator"] == "overall" and seen["ratings"] == 50
    assert [(r["reason"], r["count"], r["per_100"]) for r in seen["reasons"]] == [
        ("harassment", 3, pytest.approx(6.0)), ("unofficial-payment", 2, pytest.approx(4.0))]
    assert seen["reasons"][0]["text"]["vi"] == "Gây phiền hà, sách nhiễu"
    needs = body["needs"]
    assert needs["asked"] is True and needs["answered"] == 20 and needs["max_choices"] == 2
    assert [(c["choice"], c["count"], c["share"]) for c in needs["choices"][:3]] == [
        ("shorter-wait", 16, pytest.approx(0.8)), ("online-filing", 10, pytest.approx(0.5)),
        ("fees", 4, pytest.approx(0.2))]
    assert {c["count"] for c in needs["choices"][3:]} == {0} and len(needs["choices"]) == 8
    assert needs["choices"][0]["text"]["en"] == "Shorter waiting"
    satisfaction = body["satisfaction"]
    assert satisfaction["factors"]["overall"]["n"] == 50
    assert satisfaction["questions"]["overall"]["satisfied"] == pytest.approx(40 / 50)
    _, scores = call(survey_hub, "GET", f"/api/v1/offices/demo/scores?{NOVEMBER}")
    assert satisfaction["factors"] == scores["factors"]

    # A phone survey counts in its own channel: 80 overall answers, no reasons, no needs.
    assert call(survey_hub, "POST", "/api/v1/surveys?name=example-phone.csv",
                EXAMPLE.read_bytes())[0] == 201
    _, phone = call(survey_hub, "GET", f"/api/v1/offices/demo/aspects?{NOVEMBER}&channel=phone")
    assert phone["channel"] == "phone" and phone["perceptions"]["ratings"] == 80
    assert [r["count"] for r in phone["perceptions"]["reasons"]] == [0, 0]
    assert phone["needs"]["answered"] == 0
    _, pooled = call(survey_hub, "GET", f"/api/v1/offices/demo/aspects?{NOVEMBER}&channel=all")
    assert pooled["perceptions"]["ratings"] == 130
    assert pooled["perceptions"]["reasons"][0]["per_100"] == pytest.approx(300 / 130)
    status, error = call(survey_hub, "GET", "/api/v1/offices/demo/aspects?channel=fax")
    assert status == 400 and error["parameter"] == "channel"


def test_a_hospital_reads_its_own_questionnaire_sensitive_reasons_and_no_needs(
        survey_hub: RunningHub) -> None:
    _, body = call(survey_hub, "GET", f"/api/v1/offices/bv-1/aspects?{NOVEMBER}")
    # the hospital form marks only the unofficial payment sensitive, and asks no needs
    assert [r["reason"] for r in body["perceptions"]["reasons"]] == ["unofficial-payment"]
    assert body["perceptions"]["reasons"][0]["per_100"] is None  # no ratings at all
    assert body["needs"]["asked"] is False and body["needs"]["choices"] == []
