"""What the office page puts first: hand-made rows in, the head's attention points out."""

from __future__ import annotations

from datetime import date, timedelta

from hub.web.attention import (
    Comparison,
    comparisons,
    kiosk_health,
    top_reasons,
    weakest_counter,
    weakest_factor,
)
from hub.web.charts import DayPoint
from hub.web.views import CellRow, QuestionRow

TODAY = date(2026, 11, 23)  # a Monday


def cell(key: str, n: int, satisfied: float | None, withheld: bool = False) -> CellRow:
    return CellRow(key, "", n, n, satisfied, None, "none", n < 30, withheld)


def question(qid: str, factor: str | None, n: int, satisfied: float) -> QuestionRow:
    return QuestionRow(qid, factor, qid, "", n, satisfied, None, None, (0, 0, 0, 0, n),
                       "none", n < 30)


def test_the_weakest_counter_and_factor_are_chosen_among_cells_with_enough_answers() -> None:
    counters = [cell("1", 40, 0.70), cell("2", 12, 0.10), cell("3", 35, 0.62),
                cell("4", 50, 0.62), cell("cb", 90, 0.01, withheld=True)]
    chosen = weakest_counter(counters, 30)
    assert chosen is not None and chosen.key == "4"  # 62 % like "3", on more answers
    assert weakest_counter([cell("2", 12, 0.10)], 30) is None  # too few: nobody singled out
    questions = [question("overall", None, 60, 0.50), question("access", "1", 60, 0.80),
                 question("procedure", "2", 60, 0.70), question("officer", "3", 10, 0.20)]
    factor = weakest_factor(questions, 30)
    assert factor is not None and factor.id == "procedure"  # not overall, not the small one


def test_today_is_compared_with_yesterday_and_last_week_only_beyond_chance() -> None:
    def point(back: int, n: int, share: float, ci: tuple[float, float]) -> DayPoint:
        return DayPoint(TODAY - timedelta(days=back), n, share, ci)

    days = [point(7, 20, 0.95, (0.76, 0.99)), *(point(b, 0, 0.0, (0, 0)) for b in (6, 5, 4, 3, 2)),
            point(1, 100, 0.60, (0.50, 0.69)), point(0, 100, 0.90, (0.83, 0.94))]
    assert comparisons(days, 30) == (
        Comparison("yesterday", TODAY - timedelta(days=1), 100, 0.60, "up"),
        Comparison("last_week", TODAY - timedelta(days=7), 20, 0.95, None))  # 20 < 30
    close = [point(1, 100, 0.86, (0.78, 0.91)), point(0, 100, 0.90, (0.83, 0.94))]
    assert comparisons(close, 30)[0].change == "same"  # the intervals overlap
    lower = [point(1, 100, 0.90, (0.83, 0.94)), point(0, 100, 0.60, (0.50, 0.69))]
    assert comparisons(lower, 30)[0].change == "down"
    assert comparisons([point(0, 5, 1.0, (0.57, 1.0))], 30) == ()  # no earlier day in range


def test_kiosk_health_is_one_line_unless_a_kiosk_needs_a_look() -> None:
    fine = {"kiosk": "k1", "state": "online", "missing": 0, "clock_skewed": False,
            "scanner": "ok", "outbox": 3}
    health = kiosk_health([fine, {**fine, "kiosk": "k2"}, {**fine, "kiosk": "k3"}])
    assert (health.online, health.total, health.troubled) == (3, 3, ())
    troubled = kiosk_health([fine, {**fine, "kiosk": "k2", "state": "offline"},
                             {**fine, "kiosk": "k3", "missing": 2},
                             {**fine, "kiosk": "k4", "scanner": "error"},
                             {**fine, "kiosk": "k5", "clock_skewed": True}])
    assert (troubled.online, troubled.total) == (4, 5)
    assert troubled.troubled == ("k2", "k3", "k4", "k5")
    assert [r["reason"] for r in top_reasons({"reasons": [{"reason": c} for c in "abcde"]})] == [
        "a", "b", "c"]
