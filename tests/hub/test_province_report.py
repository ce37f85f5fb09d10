"""The province report's pure parts against hand-computed tables: the change test (docs/method.md
§6), the ranking on any figure with small units apart, the province pooled, and the facts."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from hub.scores.change import index_change, proportion_z, share_change
from hub.scores.province_facts import province_document, province_facts
from hub.scores.province_report import (
    Figure,
    ProvinceInputs,
    Unit,
    UnitInputs,
    build_province_report,
    previous_period,
    rank_units,
)

MIN_N = 30


def score(satisfied: int, n: int) -> dict[str, Any]:
    """A score as the API gives it, its dist holding ``satisfied`` answers of 5 and the rest 2."""
    return {"n": n, "dist": [0, n - satisfied, 0, 0, satisfied],
            "satisfied": satisfied / n if n else None,
            "satisfied_ci95": [satisfied / n - 0.05, satisfied / n + 0.05] if n else None}


# -- the change test ---------------------------------------------------------------------------
def test_two_proportions_by_hand() -> None:
    # 90/100 vs 70/100: p = .8, se = √(.8·.2·(1/100 + 1/100)) = √.0032 = .056569; z = .2/.056569
    assert proportion_z(90, 100, 70, 100) == pytest.approx(3.5355, abs=1e-4)
    # 45/50 vs 40/50: p = .85, se = √(.1275·.04) = √.0051 = .071414; z = .1/.071414
    assert proportion_z(45, 50, 40, 50) == pytest.approx(1.4003, abs=1e-4)
    assert proportion_z(10, 10, 30, 30) == 0.0  # both all satisfied: nothing to tell apart
    assert proportion_z(1, 0, 3, 4) is None


@pytest.mark.parametrize(("now", "before", "difference", "significant", "direction"), [
    ((90, 100), (70, 100), 0.20, True, "up"),      # z = 3.54
    ((70, 100), (90, 100), -0.20, True, "down"),   # z = −3.54
    ((45, 50), (40, 50), 0.10, False, None),       # z = 1.40 < 1.96
    ((9, 10), (2, 10), 0.70, False, None),         # z = 3.15, but n = 10 < min_n 30
])
def test_a_share_changes_only_when_significant(now: tuple[int, int], before: tuple[int, int],
                                               difference: float, significant: bool,
                                               direction: str | None) -> None:
    change = share_change(score(*now), score(*before), MIN_N)
    assert change.difference == pytest.approx(difference)
    assert (change.significant, change.direction) == (significant, direction)
    assert change.previous == pytest.approx(before[0] / before[1])


def test_no_previous_answers_is_no_change() -> None:
    change = share_change(score(90, 100), score(0, 0), MIN_N)
    assert (change.previous, change.difference, change.significant) == (None, None, False)


def factors(satisfied: int, n: int) -> dict[str, dict[str, Any]]:
    return {k: score(satisfied, n) for k in "12345"}


def test_the_index_change_by_the_delta_method() -> None:
    # .8 vs .6 on every factor of 100: V₁ = 5·(.16/100)/25 = .00032, V₀ = 5·(.24/100)/25 = .00048;
    # z = .2 / √.0008 = 7.071
    change = index_change(factors(80, 100), factors(60, 100), MIN_N)
    assert change.z == pytest.approx(7.0711, abs=1e-4) and change.direction == "up"
    # .80 vs .75: V₀ = 5·(.1875/100)/25 = .000375; z = .05 / √.000695 = 1.8966: not significant
    change = index_change(factors(80, 100), factors(75, 100), MIN_N)
    assert change.z == pytest.approx(1.8966, abs=1e-4) and not change.significant
    assert change.difference == pytest.approx(0.05) and change.previous_n == 100
    # a factor unanswered before: no index then, nothing to compare
    before = factors(75, 100)
    del before["5"]
    assert index_change(factors(80, 100), before, MIN_N).previous is None


# -- the ranking ---------------------------------------------------------------------------------
def unit(office: str, value: float | None, n: int, low: float | None = None) -> Unit:
    figure = Figure(value, n, low, None, n < MIN_N)
    return Unit(office, office.upper(), True, {"index": figure, "3": figure}, {}, (), "overall")


def test_units_ranked_on_a_figure_small_ones_apart() -> None:
    units = [unit("a", 0.8, 50, 0.70), unit("b", 0.9, 40, 0.75), unit("c", 0.9, 60, 0.80),
             unit("d", 0.95, 10, 0.60), unit("e", None, 0)]
    ranked, apart = rank_units(units, "3", "satisfied", MIN_N)
    # c and b tie on .90: more answers first; d (n 10) and e (no figure) never ranked
    assert [(u.office, u.rank) for u in ranked] == [("c", 1), ("b", 2), ("a", 3)]
    assert [(u.office, u.rank) for u in apart] == [("d", None), ("e", None)]
    ranked, _ = rank_units(units, "index", "lower", MIN_N)
    assert [u.office for u in ranked] == ["c", "b", "a"]  # lower bounds .80, .75, .70
    with pytest.raises(ValueError, match="order must be"):
        rank_units(units, "speed", "satisfied", MIN_N)


def test_the_previous_period_has_the_same_length() -> None:
    assert previous_period(date(2026, 11, 1), date(2026, 11, 30)) == (date(2026, 10, 2),
                                                                     date(2026, 10, 31))
    assert previous_period(date(2026, 12, 3), date(2026, 12, 3)) == (date(2026, 12, 2),
                                                                    date(2026, 12, 2))


# -- the whole report ------------------------------------------------------------------------------
def index_document(shares: dict[str, tuple[int, int]]) -> dict[str, Any]:
    from hub.scores.method import sipas_index

    found = {k: score(*v) for k, v in shares.items() if k != "overall"}
    return {"index": sipas_index(found, MIN_N), "overall": score(*shares["overall"]),
            "factors": found}


def aspects(yes: int, no: int, needs: dict[str, int], answered: int) -> dict[str, Any]:
    return {"perceptions": {"integrity": {"questions": [
        {"question": "integrity-payment", "yes": yes, "no": no, "declined": 1, "chips": 0,
         "replaces": None, "text": {"vi": "Chi tiền", "en": "Payment"}}]}},
        "needs": {"answered": answered, "max_choices": 2, "asked": True,
                  "choices": [{"choice": c, "count": k, "text": {"vi": c, "en": c}}
                              for c, k in needs.items()]}}


def channels(kiosk: tuple[int, int], phone: tuple[int, int], differs: bool) -> dict[str, Any]:
    return {"channels": ["kiosk", "phone"], "questions": [], "factors": [
        {"key": "overall", "channels": {"kiosk": score(*kiosk), "phone": score(*phone)},
         "differs": {"phone": differs}}]}


def test_the_report_pools_the_province_and_states_its_facts() -> None:
    # A: every factor 40/50; B: every factor 30/50 but factor 5 20/50; C: 5 answers only.
    a = index_document({"overall": (45, 50), **{k: (40, 50) for k in "12345"}})
    b = index_document({"overall": (35, 50), **{k: (30, 50) for k in "1234"}, "5": (20, 50)})
    c = index_document({"overall": (5, 5), **{k: (5, 5) for k in "12345"}})
    before = index_document({"overall": (35, 50), **{k: (30, 50) for k in "12345"}})
    inputs = ProvinceInputs("p", "admin", date(2026, 11, 1), date(2026, 11, 30), MIN_N, [
        UnitInputs({"id": "a", "name": "A"}, a, before, channels((45, 50), (10, 40), True),
                   aspects(2, 48, {"shorter-wait": 10, "fees": 3}, 20)),
        UnitInputs({"id": "b", "name": "B"}, b, before, channels((35, 50), (30, 40), False),
                   aspects(6, 44, {"fees": 9}, 15)),
        UnitInputs({"id": "c", "name": "C"}, c, {}, {"channels": ["kiosk"], "questions": []},
                   aspects(0, 5, {}, 0))], order="index",
        names={"5": {"vi": "Góp ý", "en": "Feedback"}})
    report = build_province_report(inputs)
    assert [(u.office, u.rank) for u in report.ranked] == [("a", 1), ("b", 2)]
    assert [u.office for u in report.too_few] == ["c"]
    # pooled: factors 1–4 (40 + 30 + 5)/105 = .714286, factor 5 (40 + 20 + 5)/105 = .619048
    totals = report.totals
    assert totals["1"].value == pytest.approx(75 / 105) and totals["1"].n == 105
    assert totals["index"].value == pytest.approx((4 * 75 / 105 + 65 / 105) / 5)
    # A's index .80 against .60 before (every factor 30/50):
    # V₁ = 5·(.16/50)/25 = .00064, V₀ = 5·(.24/50)/25 = .00096, z = .2/√.0016 = 5
    a_unit = report.ranked[0]
    assert a_unit.changes["index"].z == pytest.approx(5.0)
    assert a_unit.changes["index"].direction == "up"
    assert a_unit.changes["overall"].difference == pytest.approx(0.2)
    assert [(c.channel, c.differs) for c in a_unit.channels] == [("kiosk", None),
                                                                 ("phone", True)]
    # integrity pooled: 8 yes of 8 + 97 = 105; needs: fees 12, shorter-wait 10 of 35 answered
    assert report.integrity[0]["yes"] == 8 and report.integrity[0]["n"] == 105
    assert report.integrity[0]["declined"] == 3
    assert [(c["choice"], c["count"]) for c in report.needs["choices"]] == [
        ("fees", 12), ("shorter-wait", 10)]
    assert report.needs["answered"] == 35
    facts = province_facts(report)
    assert facts["lowest_factor"]["key"] == "5"
    assert facts["lowest_factor"]["name"] == {"vi": "Góp ý", "en": "Feedback"}
    assert [u["office"] for u in facts["below_index"]] == ["b"]  # .56 < .695
    assert facts["top_need"]["choice"] == "fees"
    assert (facts["ranked"], facts["too_few"], facts["first"]["office"]) == (2, 1, "a")
    document = province_document(report)
    assert document["ranked"][0]["figures"]["index"]["value"] == pytest.approx(0.8)
    assert document["previous"] == {"from": "2026-10-02", "to": "2026-10-31"}
