"""The plan of actions' pure functions and what citizens are told, against hand-computed tables."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from hailong import contract
from hub.scores.actions import (
    ActionError,
    DoneAction,
    before_after,
    done_in,
    parse_action,
    parse_due,
    problem_factor,
    score_windows,
)
from hub.scores.public import (
    last_complete_month,
    office_month,
    province_integrity,
    redact,
    results_message,
    shown_share,
    told,
)

FACTORS = {"officer": "3", "access": "1", "overall": "overall"}


def factor_of(_questionnaire: str, question: str) -> str | None:
    return FACTORS.get(question)

REFS = {"reason": ["wait", "impolite"], "factor": ["overall", "1", "2", "3", "4", "5"],
        "alert": ["12"]}


def row(question: str, d: list[int]) -> dict[str, object]:
    return {"questionnaire": "sipas@3", "question": question,
            **{f"d{i + 1}": c for i, c in enumerate(d)}}


# -- before and after the due date ---------------------------------------------------------
# officer (factor 3): before 1,0,1,3,5 → n 10, satisfied 8/10; after 0,0,1,4,15 → n 20, 19/20.
# Wilson 95 % intervals (z = 1.95996): 8/10 → 0.4902–0.9433; 19/20 → 0.7639–0.9911.
# access (factor 1) rows are there to be ignored.
BEFORE = [row("officer", [1, 0, 1, 3, 5]), row("access", [9, 0, 0, 0, 0])]
AFTER = [row("officer", [0, 0, 1, 4, 15]), row("access", [0, 0, 0, 0, 9])]


def test_the_factor_before_and_after_with_n_and_interval() -> None:
    found = before_after(BEFORE, AFTER, "3", factor_of, min_n=10)
    before, after = found["before"], found["after"]
    assert (before["n"], before["satisfied"], before["too_few"]) == (10, 0.8, False)
    assert before["ci95"] == pytest.approx([0.4902, 0.9433], abs=1e-4)
    assert (after["n"], after["satisfied"]) == (20, 0.95)
    assert after["ci95"] == pytest.approx([0.7639, 0.9911], abs=1e-4)
    assert found["change"] == pytest.approx(0.15)


def test_under_min_n_a_side_is_too_few_and_there_is_no_change() -> None:
    found = before_after(BEFORE, AFTER, "3", factor_of, min_n=11)
    assert found["before"] == {"n": 10, "satisfied": None, "ci95": None, "too_few": True}
    assert found["after"]["too_few"] is False
    assert found["change"] is None


def test_before_the_due_date_there_is_no_after() -> None:
    found = before_after(BEFORE, None, "3", factor_of, min_n=5)
    assert found["after"] is None and found["change"] is None


def test_a_problem_without_a_factor_is_too_few_on_both_sides() -> None:
    found = before_after(BEFORE, AFTER, None, factor_of, min_n=1)
    assert found["before"]["too_few"] and found["after"]["too_few"]


@pytest.mark.parametrize(("due", "today", "before", "after"), [
    (date(2026, 11, 15), date(2026, 12, 3), (date(2026, 10, 16), date(2026, 11, 14)),
     (date(2026, 11, 15), date(2026, 12, 3))),
    (date(2026, 10, 1), date(2026, 12, 3), (date(2026, 9, 1), date(2026, 9, 30)),
     (date(2026, 10, 1), date(2026, 10, 30))),
    (date(2026, 12, 10), date(2026, 12, 3), (date(2026, 11, 10), date(2026, 12, 9)), None),
])
def test_thirty_days_either_side_of_the_due_date(due: date, today: date, before: object,
                                                 after: object) -> None:
    assert score_windows(due, today) == (before, after)


@pytest.mark.parametrize(("kind", "ref", "factor"), [
    ("factor", "3", "3"), ("factor", "9", None), ("reason", "wait", "1"),
    ("reason", "unknown", None), ("alert", "12", "overall"), ("alert", "13", None)])
def test_which_factor_a_problem_is_about(kind: str, ref: str, factor: str | None) -> None:
    assert problem_factor(kind, ref, {"wait": "1"}, {"12": "overall"}) == factor


# -- an action's fields --------------------------------------------------------------------
GOOD = {"problem_kind": "reason", "problem_ref": "wait", "measure": " Thêm ghế chờ ",
        "responsible": "Văn phòng", "due": "31/12/2026"}


def test_a_new_action_is_checked_and_cleaned() -> None:
    assert parse_action(GOOD, REFS) == {
        "problem_kind": "reason", "problem_ref": "wait", "problem": "", "measure": "Thêm ghế chờ",
        "responsible": "Văn phòng", "result": "", "due": date(2026, 12, 31), "status": "planned"}


@pytest.mark.parametrize(("change", "field"), [
    ({"problem_kind": "officer"}, "problem_kind"), ({"problem_ref": "harassment"}, "problem_ref"),
    ({"measure": "  "}, "measure"), ({"responsible": "x" * 201}, "responsible"),
    ({"due": "2026-02-30"}, "due"), ({"due": "mai"}, "due"), ({"status": "closed"}, "status"),
    ({"officer": "cb-01"}, "officer"), ({"measure": 5}, "measure")])
def test_a_wrong_field_is_named(change: dict[str, object], field: str) -> None:
    with pytest.raises(ActionError) as caught:
        parse_action({**GOOD, **change}, REFS)
    assert caught.value.field == field and caught.value.key.startswith("actions.error.")


def test_an_update_returns_only_what_it_changes() -> None:
    current = {**GOOD, "problem": "", "result": "", "status": "planned", "due": "2026-12-31"}
    assert parse_action({"status": "done", "result": "Đã có 20 ghế"}, REFS, current) == {
        "status": "done", "result": "Đã có 20 ghế"}


def test_due_dates_as_typed() -> None:
    assert parse_due("2026-01-05") == parse_due("5/1/2026") == date(2026, 1, 5)


def test_the_actions_done_in_a_month_newest_first() -> None:
    def at(day: int, month: int = 11) -> datetime:
        return datetime(2026, month, day, 3, tzinfo=UTC)

    rows = [{"status": "done", "done_at": at(3), "measure": "A", "result": "a"},
            {"status": "done", "done_at": at(20), "measure": "B", "result": "b"},
            {"status": "in_progress", "done_at": None, "measure": "C", "result": ""},
            {"status": "done", "done_at": at(1, 12), "measure": "D", "result": "d"}]
    found = done_in(rows, date(2026, 11, 1), date(2026, 11, 30), lambda m: m.date())
    assert found == [DoneAction("B", "b", date(2026, 11, 20)),
                     DoneAction("A", "a", date(2026, 11, 3))]


# -- what citizens are told ----------------------------------------------------------------
@pytest.mark.parametrize(("today", "first", "last"), [
    (date(2026, 12, 3), date(2026, 11, 1), date(2026, 11, 30)),
    (date(2026, 1, 15), date(2025, 12, 1), date(2025, 12, 31)),
    (date(2028, 3, 1), date(2028, 2, 1), date(2028, 2, 29))])
def test_the_last_complete_month(today: date, first: date, last: date) -> None:
    assert last_complete_month(today) == (first, last)


def test_a_share_under_min_n_is_never_told() -> None:
    score = {"n": 29, "satisfied": 0.9, "satisfied_ci95": [0.7, 0.97]}
    assert shown_share(score, 30) == {"n": 29, "satisfied": None, "ci95": None, "too_few": True}
    assert shown_share({**score, "n": 30}, 30)["satisfied"] == 0.9
    assert shown_share(None, 30)["too_few"]


def test_an_office_month_from_its_index_document() -> None:
    index = {"index": {"n": 40, "value": 0.85, "ci95": [0.8, 0.9], "too_few": False},
             "overall": {"n": 184, "satisfied": 0.92, "satisfied_ci95": [0.87, 0.95]},
             "factors": {"1": {"n": 40, "satisfied": 0.8, "satisfied_ci95": [0.65, 0.9]},
                         "3": {"n": 12, "satisfied": 1.0, "satisfied_ci95": [0.76, 1.0]}}}
    month = office_month(index, 30)
    assert month["index"] == {"n": 40, "value": 0.85, "ci95": [0.8, 0.9], "too_few": False}
    assert month["overall"]["satisfied"] == 0.92
    assert month["factors"]["1"]["satisfied"] == 0.8
    assert month["factors"]["3"]["too_few"] and month["factors"]["3"]["satisfied"] is None
    assert month["factors"]["5"] == {"n": 0, "satisfied": None, "ci95": None, "too_few": True}


def test_roster_names_and_ids_are_taken_out_of_free_text() -> None:
    secrets = ["cb-017", "Nguyễn Thị Lan", "Quầy 3", "k1"]
    assert redact("Chị nguyễn thị lan (CB-017) ở Quầy 3 đã sửa k1", secrets) == \
        "Chị … (…) ở … đã sửa k1"
    assert told([DoneAction("Nhắc Nguyễn Thị Lan", "tốt hơn", date(2026, 11, 2))], secrets) == [
        {"measure": "Nhắc …", "result": "tốt hơn"}]


def test_the_results_message_keeps_to_its_schema() -> None:
    month = {"overall": {"n": 184, "satisfied": 0.92, "ci95": [0.87, 0.95], "too_few": False}}
    message = results_message("ubnd-a", date(2026, 11, 1), month, 30,
                              [{"measure": "Thêm ghế", "result": "Đủ chỗ"}])
    contract.validate("results", message)
    assert message == {"v": 1, "office": "ubnd-a", "month": "2026-11", "n": 184,
                       "satisfied": 0.92, "too_few": False, "min_n": 30,
                       "action": {"measure": "Thêm ghế", "result": "Đủ chỗ"}}
    few = {"overall": {"n": 3, "satisfied": None, "ci95": None, "too_few": True}}
    contract.validate("results", results_message("ubnd-a", date(2026, 11, 1), few, 30, []))


# Harassment answers of four offices: 2/20, 1/10 (3 declined), 0/10, none at all. Pooled over the
# three that answered: 3 yes of 40 → 7.5 %, Wilson 95 % 0.0258–0.1986.
INTEGRITY = [{"integrity-harassment": {"yes": 2, "no": 18}},
             {"integrity-harassment": {"yes": 1, "no": 9, "decline": 3}},
             {"integrity-harassment": {"no": 10}}, {}]


def test_integrity_is_told_only_pooled_over_the_province() -> None:
    [entry] = province_integrity(INTEGRITY, 30)
    assert (entry["question"], entry["n"], entry["too_few"]) == ("integrity-harassment", 40, False)
    assert entry["prevalence"] == pytest.approx(0.075)
    assert entry["ci95"] == pytest.approx([0.0258, 0.1986], abs=1e-4)
    assert province_integrity(INTEGRITY, 41)[0] == {
        "question": "integrity-harassment", "n": 40, "too_few": True, "prevalence": None,
        "ci95": None}


def test_integrity_of_fewer_than_three_offices_is_never_told() -> None:
    assert province_integrity(INTEGRITY[:2] + INTEGRITY[3:], 1) is None
