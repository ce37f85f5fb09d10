"""The phone questionnaire's rules as a pure state machine, on the kiosks' own questionnaire
file: lists of taps in, screens and the response out (no web, no clock)."""

from __future__ import annotations

from hailong import contract
from hailong.questionnaire import find_questionnaire
from hub.web.rating_form import FormState, apply, current_question, progress, response_document

SIPAS = find_questionnaire("sipas")
START = FormState("0b8f6f0e-4a53-4f4e-9d55-2b9f3c1d7a10", "2026-12-03T09:00:00+07:00")


def taps(*events: tuple[str, list[str]], stage: str | None = None) -> tuple[FormState, bool]:
    state, finished = START, False
    for action, values in events:
        step = apply(SIPAS, state, stage, action, values)
        assert step.problem is None, (action, values, step.problem)
        state, finished = step.state, step.finished
    return state, finished


def asked(state: FormState, stage: str | None = None) -> str:
    return current_question(SIPAS, state, stage).id


def test_the_order_and_conditions_are_the_kiosks() -> None:
    assert asked(START) == "overall"
    high, _ = taps(("answer", ["5"]))
    assert asked(high) == "access"  # a high overall answer skips the reasons
    low, _ = taps(("answer", ["2"]))
    assert asked(low) == "reasons"
    assert progress(SIPAS, low, None)[0] == 2
    # the result question is asked at the result, or when the stage is not known
    at_receipt = [q.id for q in SIPAS.enabled_questions
                  if current_question(SIPAS, FormState("x", "t", current=q.id), "receive").id
                  == q.id]
    assert "result" not in at_receipt and "overall" in at_receipt


def test_back_skip_and_raising_the_overall_answer_drop_the_reasons() -> None:
    state, finished = taps(("answer", ["2"]), ("answer", ["wait", "impolite"]), ("back", []),
                           ("back", []), ("answer", ["4"]))
    assert not finished and asked(state) == "access"
    document = response_document(SIPAS, state, office="ubnd-a", counter="q3", channel="web",
                                 stage=None, receipt_h=None,
                                 submitted_at="2026-12-03T09:01:00+07:00")
    assert document["answers"] == {"overall": 4}  # the reasons are no longer asked


def test_send_ends_at_once_and_makes_a_contract_valid_web_response() -> None:
    state, finished = taps(("answer", ["3"]), ("skip", []), ("answer", ["not-yet"]),
                           ("send", []), stage="result")
    assert finished
    document = response_document(SIPAS, state, office="ubnd-a", counter="q3", channel="web",
                                 stage="result", receipt_h="a" * 64,
                                 submitted_at="2026-12-03T09:01:00+07:00")
    assert document["answers"] == {"overall": 3}  # "not received yet" counts as skipped
    assert (document["kiosk"], document["trigger"], document["seq"], document["stage"],
            document["complete"]) == ("web", "web", 1, "result", True)
    assert document["receipt"] == {"h": "a" * 64, "unit": None, "date": None}
    contract.decode_response(contract.encode(document))


def test_a_wrong_answer_stays_on_its_screen_with_the_reason() -> None:
    state, _ = taps(("answer", ["5"]))
    for action, values, problem in (("answer", ["7"], "choose"), ("dance", [], "choose")):
        step = apply(SIPAS, state, None, action, values)
        assert (step.problem, step.state.current, step.finished) == (problem, "access", False)
    at_needs = FormState(START.response_id, START.started_at, current="needs",
                         answers={"overall": 5})
    three = apply(SIPAS, at_needs, None, "answer", ["fees", "other", "online-filing"])
    assert three.problem == "too_many" and "needs" not in three.state.answers
    two = apply(SIPAS, at_needs, None, "answer", ["other", "fees"])
    assert two.state.answers["needs"] == ["fees", "other"]  # the file's order


def test_the_last_question_finishes_and_the_language_switch_keeps_everything() -> None:
    state, _ = taps(("answer", ["5"]), ("lang", []))
    assert (state.lang, asked(state), state.answers) == ("en", "access", {"overall": 5})
    last = SIPAS.enabled_questions[-1]
    at_end = FormState(START.response_id, START.started_at, current=last.id,
                       answers={"overall": 5})
    assert apply(SIPAS, at_end, None, "skip", []).finished
    assert FormState.unsealed(state.sealed()) == state
