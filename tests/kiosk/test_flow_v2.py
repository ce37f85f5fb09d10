"""The citizen flow of sipas@3: one tap counts, Send, screens of several questions, the next
citizen, the dossier's two stages and the integrity questions, as lists of events."""

from __future__ import annotations

from kiosk import flow
from kiosk.flow import Key, PickStage, Rate, Scan, Send, Skip, Start, Submit, Tick
from kiosk.receipt import Receipt
from tests.support.flow import SIPAS3, at, play, presses
from tests.support.flow import sipas3_rules as rules

A = Receipt("a" * 64, "H21.65", "2022-09-14")
B = Receipt("b" * 64, "H21.65", "2022-09-15")


def run(events: list[flow.Event], ruleset: flow.Rules | None = None,
        state: flow.State | None = None) -> tuple[flow.State, list[flow.Effect]]:
    return play(events, ruleset or rules(), state)


def drafts(effects: list[flow.Effect]) -> list:
    return [e.draft for e in effects if isinstance(e, Submit)]


def test_sipas3_is_the_default_and_groups_its_questions() -> None:
    assert SIPAS3.ref == "sipas@3"
    session = flow.Session(trigger="tap", started_at=at(0), current="overall",
                           answers={"overall": 2})
    assert flow.screens(rules(), session) == [
        ("overall",), ("reasons",), ("access", "procedure", "officer", "result", "feedback"),
        ("integrity-harassment", "integrity-payment"), ("needs", "visits")]
    # one question per screen where the screen cannot hold a group
    assert len(flow.screens(rules(grouped=False), session)) == 11


def test_one_tap_then_walking_away_is_an_incomplete_rating() -> None:
    state, effects = run([Start(now=at(0)), Rate(4, now=at(1)), Tick(now=at(21))])
    [draft] = drafts(effects)
    assert draft.answers == {"overall": 4} and not draft.complete
    assert state.screen == "thanks"


def test_one_tap_then_send_is_a_complete_rating() -> None:
    state, effects = run([*presses(["enter", "4", "send"], 0)])
    [draft] = drafts(effects)
    assert draft.answers == {"overall": 4} and draft.complete
    assert state.screen == "thanks"


def test_send_is_not_offered_on_the_opening_question() -> None:
    state, effects = run([Start(now=at(0)), Send(now=at(1))])
    assert effects == [] and state.session is not None and state.session.current == "overall"


def test_the_factors_by_keypad_rate_rows_and_move_on() -> None:
    # overall 4; factors: 5, 4, skip (0), Backspace up to the skipped row, 3, 2, 1; then the
    # integrity screen: Không (2), Có (1); needs: Enter; visits: 1st choice.
    names = ["enter", "4", "5", "4", "0", "back", "3", "2", "1", "2", "1", "enter", "1"]
    state, effects = run(presses(names, 0))
    [draft] = drafts(effects)
    assert draft.answers == {"overall": 4, "access": 5, "procedure": 4, "officer": 3,
                             "result": 2, "feedback": 1, "integrity-harassment": ["no"],
                             "integrity-payment": ["yes"], "visits": ["1"]}
    assert draft.complete and state.screen == "thanks"


def test_the_factors_by_touch_in_any_order_with_not_yet_answers() -> None:
    events = [Start(now=at(0)), Rate(5, now=at(1)),
              Rate(2, question="officer", now=at(2), target="face:officer:2"),
              Rate(4, question="access", now=at(3), target="face:access:4"),
              Skip(question="feedback", not_asked=True, now=at(4), target="not-yet:feedback"),
              Skip(question="result", not_asked=True, now=at(5), target="not-yet:result")]
    state, _ = run(events)
    assert state.session is not None and state.session.current == "access"  # still the grid
    assert flow.progress(state, rules()) == (2, 4)  # no reasons after a 5
    state, effects = run([Send(now=at(6))], state=state)
    [draft] = drafts(effects)
    # "not received yet" and "I have not given any" count as not asked: never sent
    assert draft.answers == {"overall": 5, "access": 4, "officer": 2} and draft.complete


def test_two_citizens_back_to_back_give_two_responses_each_with_its_receipt() -> None:
    _state, effects = run([Scan("receipt", A, now=at(0)), Rate(5, now=at(1)),
                          Scan("receipt", B, now=at(6)), Rate(2, now=at(7)), Tick(now=at(30))],
                         rules(stage="receive"))
    first, second = drafts(effects)
    assert first.receipt == A and first.answers == {"overall": 5} and not first.complete
    assert first.submitted_at == at(6)
    assert second.receipt == B and second.answers == {"overall": 2}
    assert second.started_at == at(6) and second.trigger == "scan"


def test_the_officers_plus_during_a_questionnaire_stores_it_and_starts_afresh() -> None:
    state, effects = run([*presses(["enter", "3"], 0), Key("officer", now=at(1.5))])
    [draft] = drafts(effects)
    assert draft.answers == {"overall": 3} and not draft.complete
    assert state.screen == "question" and state.session is not None
    assert state.session.trigger == "officer" and state.session.answers == {}


def test_any_stage_asks_receipt_or_result_once_and_drops_result_at_receiving() -> None:
    state, _ = run([Scan("receipt", A, now=at(0)), Rate(4, now=at(1))])
    assert state.session is not None and flow.on_stage_screen(state)
    state, _ = run([Key("1", now=at(2))], state=state)
    assert state.session is not None and state.session.stage == "receive"
    on_grid = [q.id for q in flow.current_questions(state, rules())]
    assert "result" not in on_grid and len(on_grid) == 4
    state, effects = run([Send(now=at(3))], state=state)
    assert drafts(effects)[0].stage == "receive"


def test_a_dossier_rated_at_receiving_is_rated_at_result_without_asking() -> None:
    state, _ = run([Scan("receipt", A, rated=frozenset({"receive"}), now=at(0)), Rate(4, now=at(1))])
    assert state.session is not None and not flow.on_stage_screen(state)
    assert state.session.stage == "result"
    assert "result" in [q.id for q in flow.current_questions(state, rules())]


def test_the_same_stage_twice_opens_nothing() -> None:
    state, effects = run([Scan("receipt", A, rated=frozenset({"result"}), now=at(0))],
                         rules(stage="result"))
    assert state.screen == "notice" and effects == []
    state, _ = run([Scan("receipt", A, rated=frozenset({"result"}), now=at(0))],
                   rules(stage="receive"))
    assert state.screen == "question"


def test_a_tap_without_a_receipt_never_asks_the_stage() -> None:
    state, _ = run([Start(now=at(0)), Rate(4, now=at(1))])
    assert state.session is not None and state.session.stage is None
    assert not flow.on_stage_screen(state)


def test_the_stage_screen_by_touch_and_send() -> None:
    _state, effects = run([Scan("receipt", A, now=at(0)), Rate(4, now=at(1)),
                          PickStage("result", now=at(2), target="stage:result"), Send(now=at(3))])
    [draft] = drafts(effects)
    assert draft.stage == "result" and draft.receipt == A and draft.complete


def test_integrity_questions_are_asked_of_everyone_and_read_with_their_note() -> None:
    state, _ = run([*presses(["enter", "5", "enter", "enter", "enter", "enter", "enter"], 0)])
    ids = [q.id for q in flow.current_questions(state, rules())]
    assert ids == ["integrity-harassment", "integrity-payment"]
    state, effects = run([Key("read", now=at(5))], state=state)
    [speak] = effects
    assert "Không muốn trả lời" in speak.text and "giữ kín" in speak.text
    state, effects = run(presses(["3", "2", "send"], 6), state=state)
    assert drafts(effects)[0].answers["integrity-harassment"] == ["decline"]
