"""The questionnaire flow as a pure state machine, driven by lists of events with explicit times."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from hailong.questionnaire import (
    find_questionnaire,
    load_catalog,
    parse_questionnaire,
    questionnaire_for,
)
from hailong.settings import SettingsError
from kiosk import flow
from kiosk.flow import (
    Back,
    CheckPin,
    Choose,
    Continue,
    CornerDown,
    CornerUp,
    Key,
    PinChecked,
    PinKey,
    Quit,
    Rate,
    ReadAloud,
    Scan,
    ServiceAction,
    Skip,
    Speak,
    Start,
    Submit,
    SwitchLanguage,
    Tick,
    Touch,
)
from kiosk.receipt import Receipt
from tests.support.flow import at, play

# The one-question-per-screen path of sipas@2 (still what 800×480 and portrait screens show);
# sipas@3, its screens of several questions and the stages: tests/kiosk/test_flow_v2.py.
SIPAS = load_catalog()["sipas@2"]
RECEIPT = Receipt("a" * 64, "H21.65", "2022-09-14")


def rules(**changes: object) -> flow.Rules:
    return replace(flow.Rules(questionnaire=SIPAS), **changes)  # type: ignore[arg-type]


def run(events: list[flow.Event], ruleset: flow.Rules | None = None,
        state: flow.State | None = None) -> tuple[flow.State, list[flow.Effect]]:
    return play(events, ruleset or rules(), state)


def keys(names: str, start: float = 0.0, gap: float = 0.5) -> list[flow.Event]:
    """Key presses half a second apart (the spec's bound for never being debounced)."""
    return [Key(name, now=at(start + i * gap)) for i, name in enumerate(names)]


def submitted(effects: list[flow.Effect]) -> list[flow.Submit]:
    return [e for e in effects if isinstance(e, Submit)]


def test_the_whole_questionnaire_by_keys_with_reasons_and_visits() -> None:
    # Enter, overall 2 → reasons: toggle 1 and 8, Enter → access 4, procedure 3, officer 5,
    # result skipped (0), feedback 4, needs: toggle 7 and 1, Enter → visits: 2nd choice.
    state, effects = run([Key("enter", now=at(0)), *keys("218", 0.5), Key("enter", now=at(2.0)),
                          *keys("4350471", 2.5), Key("enter", now=at(6.0)), Key("2", now=at(6.5))])
    [submit] = submitted(effects)
    draft = submit.draft
    assert draft.answers == {"overall": 2, "reasons": ["wait", "impolite"], "access": 4,
                             "procedure": 3, "officer": 5, "feedback": 4,
                             "needs": ["shorter-wait", "faster-result"], "visits": ["2"]}
    assert draft.complete and draft.trigger == "tap" and draft.lang == "vi"
    assert draft.started_at == at(0) and draft.submitted_at == at(6.5)
    assert state.screen == "thanks" and state.complaint  # overall 2 ≤ complaint threshold


def test_a_high_overall_answer_skips_the_reasons_and_shows_no_complaint_channel() -> None:
    state, _ = run([Start(now=at(0)), Rate(4, now=at(1))])
    assert state.session is not None and state.session.current == "access"
    assert flow.progress(state, rules()) == (2, 8)
    state, effects = run([Skip(now=at(2 + i)) for i in range(7)], state=state)
    [submit] = submitted(effects)
    assert submit.draft.answers == {"overall": 4}
    assert state.screen == "thanks" and not state.complaint


def test_the_reasons_threshold_setting_moves_the_bar() -> None:
    state, _ = run([Start(now=at(0)), Rate(3, now=at(1))], rules(reasons_threshold=2))
    assert state.session is not None and state.session.current == "access"
    state, _ = run([Start(now=at(0)), Rate(3, now=at(1))])
    assert state.session is not None and state.session.current == "reasons"


def test_skipping_everything_keeps_nothing_but_still_counts_the_response() -> None:
    _state, effects = run([Start(now=at(0)), *[Skip(now=at(1 + i)) for i in range(8)]])
    [submit] = submitted(effects)
    assert submit.draft.answers == {} and submit.draft.complete


def test_a_choice_question_skipped_with_enter_or_zero_is_absent_not_empty() -> None:
    _state, effects = run([Start(now=at(0)), Rate(1, now=at(1)),
                          Choose(0, now=at(2)), Choose(0, now=at(3)),  # toggled on and off
                          Continue(now=at(4)), *[Skip(now=at(5 + i)) for i in range(5)],
                          Continue(now=at(10)),  # needs: Enter with nothing chosen
                          Continue(now=at(11))])  # visits: Enter with nothing chosen
    [submit] = submitted(effects)
    assert submit.draft.answers == {"overall": 1}


def test_not_received_yet_counts_as_skipped() -> None:
    state, _ = run([Start(now=at(0)), Rate(5, now=at(1)), Rate(5, now=at(2)), Rate(5, now=at(3)),
                    Rate(5, now=at(4))])
    assert state.session is not None and state.session.current == "result"
    state, effects = run([Skip(now=at(5), target="not-yet"), Rate(5, now=at(6)),
                          Skip(now=at(6.5)), Choose(2, now=at(7))], state=state)
    assert submitted(effects)[0].draft.answers == {
        "overall": 5, "access": 5, "procedure": 5, "officer": 5, "feedback": 5, "visits": ["3+"]}


def test_back_goes_one_question_back_and_a_changed_overall_drops_stale_reasons() -> None:
    state, _ = run([Start(now=at(0)), Rate(2, now=at(1)), Choose(0, now=at(2)),
                    Continue(now=at(3)), Key("back", now=at(4))])
    assert state.session is not None and state.session.current == "reasons"
    state, _ = run([Back(now=at(5)), Rate(5, now=at(6))], state=state)
    assert state.session is not None and state.session.current == "access"
    state, effects = run([Skip(now=at(7 + i)) for i in range(7)], state=state)
    assert submitted(effects)[0].draft.answers == {"overall": 5}
    # Back on the first question does nothing
    state, _ = run([Start(now=at(0)), Back(now=at(1))])
    assert state.screen == "question" and state.session and state.session.current == "overall"


def test_enter_on_an_unanswered_rating_does_nothing_but_keeps_an_earlier_answer() -> None:
    state, _ = run([Start(now=at(0)), Key("enter", now=at(1))])
    assert state.session is not None and state.session.current == "overall"
    state, _ = run([Rate(4, now=at(2)), Back(now=at(3)), Continue(now=at(4))], state=state)
    assert state.session is not None and state.session.current == "access"
    assert state.session.answers == {"overall": 4}


def test_idle_time_out_keeps_what_was_answered_as_incomplete() -> None:
    state, effects = run([Start(now=at(0)), Rate(5, now=at(1)), Rate(4, now=at(2)),
                          Tick(now=at(21)), Tick(now=at(22))])
    [submit] = submitted(effects)
    assert submit.draft.answers == {"overall": 5, "access": 4}
    # the default time-out is 20 s (docs/kiosk.md says why)
    assert not submit.draft.complete and submit.draft.submitted_at == at(22)
    assert state.screen == "thanks"


def test_a_touch_on_idle_that_answers_nothing_creates_no_response() -> None:
    state, effects = run([Touch(now=at(0)), Tick(now=at(29)), Tick(now=at(30))])
    assert effects == [] and state.screen == "idle"


def test_the_time_out_is_configurable() -> None:
    _, effects = run([Start(now=at(0)), Rate(3, now=at(1)), Tick(now=at(6))], rules(idle_timeout=5))
    assert submitted(effects) and not submitted(effects)[0].draft.complete


def test_thank_you_lasts_its_time_or_until_any_key_or_touch() -> None:
    state, _ = run([Start(now=at(0)), *[Skip(now=at(1 + i)) for i in range(7)]])
    state, _ = run([Skip(now=at(7))], state=state)  # the 8th question, stored at 7
    assert state.screen == "thanks"
    assert run([Tick(now=at(11.9))], state=state)[0].screen == "thanks"  # stored at 7, 5 s
    assert run([Tick(now=at(12))], state=state)[0].screen == "idle"
    assert run([Touch(now=at(9))], state=state)[0].screen == "idle"
    assert run([Key("5", now=at(9))], state=state)[0].screen == "idle"


def test_on_idle_only_enter_starts_and_other_keys_do_nothing() -> None:
    for name in "0123456789*":
        state, _ = run([Key({"*": "read"}.get(name, name), now=at(0))])
        assert state.screen == "idle"
    state, _ = run([Key("enter", now=at(0))])
    assert state.screen == "question" and state.session and state.session.trigger == "tap"


def test_the_officers_next_citizen_key_opens_with_trigger_officer() -> None:
    _state, effects = run([Key("officer", now=at(0)), Rate(5, now=at(1)), Tick(now=at(40))],
                         state=flow.initial_state(rules(), officer="cb-017"))
    draft = submitted(effects)[0].draft
    assert draft.trigger == "officer" and draft.officer == "cb-017"


def test_the_minimum_interval_ignores_a_start_or_scan_after_a_stored_response() -> None:
    state, _ = run([Start(now=at(0)), *[Skip(now=at(1 + i)) for i in range(6)],
                    Skip(now=at(6.5)), Skip(now=at(7))])
    stored = at(7)
    state, _ = run([Touch(now=at(8))], state=state)  # dismiss the thank-you
    assert state.screen == "idle"
    for event in (Start(now=at(11.9)), Scan("receipt", RECEIPT, now=at(11.95)),
                  Key("officer", now=at(11.99))):
        assert run([event], state=state)[0].screen == "idle", event
    assert stored + timedelta(seconds=5) == at(12)
    assert run([Start(now=at(12))], state=state)[0].screen == "question"
    free = rules(min_interval=0)
    assert run([Start(now=at(8))], free, state)[0].screen == "question"


def test_debounce_a_drumming_finger_is_one_answer() -> None:
    taps = [Rate(4, now=at(1 + 0.2 * i), target="face:4", pos=(500, 300)) for i in range(20)]
    state, _ = run([Start(now=at(0)), *taps])
    assert state.session is not None
    assert state.session.answers == {"overall": 4} and state.session.current == "access"
    # the same spot on another screen is the same finger
    state, _ = run([Start(now=at(0)), Rate(5, now=at(1), target="face:5", pos=(900, 300)),
                    Rate(1, now=at(1.2), target="face:1", pos=(905, 302))])
    assert state.session is not None and state.session.answers == {"overall": 5}


def test_keys_half_a_second_apart_are_never_lost() -> None:
    state, _ = run([Key("enter", now=at(0)), *keys("4444444", 0.5)])
    assert state.session is not None
    assert state.session.answers == {"overall": 4, "access": 4, "procedure": 4, "officer": 4,
                                     "result": 4, "feedback": 4, "needs": ("online-filing",)}
    # …while a bouncing contact (the same key within 0.3 s) is one press
    state, _ = run([Key("enter", now=at(0)), *keys("444", 0.5, gap=0.1)])
    assert state.session is not None and state.session.answers == {"overall": 4}


def test_a_second_deliberate_tap_on_the_same_face_counts() -> None:
    state, _ = run([Start(now=at(0)), Rate(4, now=at(1), target="face:4", pos=(5, 5)),
                    Rate(4, now=at(1.35), target="face:4", pos=(5, 5))])
    assert state.session is not None and state.session.answers == {"overall": 4, "access": 4}


def test_the_language_switch_works_anywhere_and_resets_for_the_next_citizen() -> None:
    state, effects = run([Key("lang", now=at(0)), Key("enter", now=at(0.5)),
                          SwitchLanguage(now=at(1)), SwitchLanguage(now=at(2), target="lang"),
                          Rate(5, now=at(3)), Tick(now=at(40))])
    assert submitted(effects)[0].draft.lang == "en"
    assert state.screen == "thanks" and state.lang == "en"  # thanked in their language
    assert run([Tick(now=at(45))], state=state)[0].lang == "vi"  # the next citizen: default
    state, _ = run([Key("lang", now=at(0))])
    assert state.lang == "en"
    assert run([Tick(now=at(19))], state=state)[0].lang == "en"
    assert run([Tick(now=at(20))], state=state)[0].lang == "vi"  # nobody there: back to default


def test_read_aloud_speaks_the_question_and_its_answers_in_the_current_language() -> None:
    _, effects = run([Start(now=at(0)), Key("read", now=at(1))])
    [speak] = effects
    assert isinstance(speak, Speak) and speak.lang == "vi"
    assert speak.text.startswith("Nhìn chung, Ông/Bà hài lòng thế nào")
    assert "1: Rất không hài lòng" in speak.text and "5: Rất hài lòng" in speak.text
    _, effects = run([Start(now=at(0)), SwitchLanguage(now=at(1)), ReadAloud(now=at(2))])
    assert isinstance(effects[0], Speak) and "Very satisfied" in effects[0].text


def test_gating_opens_only_after_a_scan_or_the_officer() -> None:
    gated = rules(gating=True)
    state, _ = run([Key("enter", now=at(0))], gated)
    assert state.screen == "notice" and state.notice == "notice.gated"
    assert run([Tick(now=at(4))], gated, state)[0].screen == "idle"
    state, effects = run([Scan("receipt", RECEIPT, now=at(10)), Rate(3, now=at(11)),
                          Tick(now=at(50))], gated)
    draft = submitted(effects)[0].draft
    assert draft.trigger == "scan" and draft.receipt == RECEIPT
    state, _ = run([Key("officer", now=at(0))], gated)
    assert state.screen == "question" and state.session and state.session.trigger == "officer"


def test_an_officer_card_switches_the_officer_on_duty_and_is_a_next_citizen_signal() -> None:
    state, effects = run([Scan("officer", officer="cb-020", now=at(0)), Rate(5, now=at(1)),
                          Tick(now=at(40))], rules(gating=True))
    draft = submitted(effects)[0].draft
    assert draft.officer == "cb-020" and draft.trigger == "officer"
    assert state.officer == "cb-020"
    # during a questionnaire it changes the officer for the next citizen, not this one
    state, effects = run([Start(now=at(0)), Scan("officer", officer="cb-021", now=at(1)),
                          Rate(4, now=at(2)), Tick(now=at(40))],
                         state=flow.initial_state(rules(), officer="cb-020"))
    assert submitted(effects)[0].draft.officer == "cb-020" and state.officer == "cb-021"


def test_a_repeated_dossier_opens_nothing() -> None:
    both = frozenset({"receive", "result"})
    state, effects = run([Scan("receipt", RECEIPT, rated=both, now=at(0))])
    assert state.screen == "notice" and state.notice == "notice.already_rated"
    assert effects == []
    assert run([Tick(now=at(4))], state=state)[0].screen == "idle"
    # during a questionnaire: a banner, and the receipt is not attached
    state, effects = run([Start(now=at(0)), Scan("receipt", RECEIPT, rated=both,
                                                 now=at(1)), Rate(5, now=at(2)), Tick(now=at(40))])
    assert submitted(effects)[0].draft.receipt is None


def test_a_scan_before_any_answer_attaches_to_the_current_response() -> None:
    _, effects = run([Start(now=at(0)), Scan("receipt", RECEIPT, now=at(1)), Rate(5, now=at(2)),
                      Tick(now=at(40))])
    draft = submitted(effects)[0].draft
    assert draft.receipt == RECEIPT and draft.trigger == "tap"


def test_an_unknown_code_changes_nothing() -> None:
    state, effects = run([Scan("unknown", now=at(0))])
    assert state == flow.initial_state(rules()) and effects == []


def test_switched_off_questions_are_not_asked() -> None:
    data = SIPAS.model_dump()
    for question in data["questions"]:
        if question["id"] in ("officer", "visits", "reasons", "needs"):
            question["enabled"] = False
    short = type(SIPAS).model_validate(data)
    _state, effects = run([Start(now=at(0)), *keys("11111", 1)], rules(questionnaire=short))
    assert submitted(effects)[0].draft.answers == {
        "overall": 1, "access": 1, "procedure": 1, "result": 1, "feedback": 1}


def test_the_service_screen_needs_a_three_second_corner_press_and_the_pin() -> None:
    service = rules(service_enabled=True)
    state, _ = run([CornerDown(now=at(0)), Tick(now=at(2.9))], service)
    assert state.screen == "idle"
    assert run([CornerUp(now=at(2)), Tick(now=at(3.5))], service, state)[0].screen == "idle"
    state, _ = run([Tick(now=at(3))], service, state)
    assert state.screen == "pin"
    assert run([CornerDown(now=at(0)), Tick(now=at(9))], rules())[0].screen == "idle"  # no PIN set

    state, effects = run([PinKey("1", now=at(4)), Key("2", now=at(4.5)), PinKey("delete",
                          now=at(5)), Key("3", now=at(5.5)), Key("enter", now=at(6))], service, state)
    assert effects == [CheckPin("13")] and state.pin_message == "pin.checking"
    state, _ = run([PinChecked(True, now=at(6.1))], service, state)
    assert state.screen == "service"
    state, _ = run([ServiceAction("test-scanner", now=at(7)),
                    Scan("receipt", RECEIPT, now=at(8))], service, state)
    assert state.scan_test == "receipt" and state.scan_test_at == at(8)
    assert state.screen == "service"  # a scan on the service screen opens nothing
    assert run([ServiceAction("exit", now=at(9))], service, state)[1] == [Quit()]
    assert run([ServiceAction("close", now=at(9))], service, state)[0].screen == "idle"
    assert run([Tick(now=at(8 + 120))], service, state)[0].screen == "idle"


def test_a_lock_decided_by_the_pin_lock_locks_the_pin_screen() -> None:
    service = rules(service_enabled=True)
    state, _ = run([CornerDown(now=at(0)), Tick(now=at(3))], service)
    state, _ = run([Key("9", now=at(10)), Key("enter", now=at(10.5)),
                    PinChecked(False, now=at(10.6))], service, state)
    assert state.pin_message == "pin.wrong"
    lock = timedelta(minutes=5)  # kiosk/pinlock.py decides how long; the flow shows it
    state, _ = run([Key("9", now=at(11)), Key("enter", now=at(11.5)),
                    PinChecked(False, locked_until=at(11.6) + lock, now=at(11.6))], service, state)
    assert state.pin_message == "pin.locked"
    state, effects = run([Key("1", now=at(30)), Key("enter", now=at(30.5))], service, state)
    assert effects == [] and state.pin_message == "pin.locked"
    later = at(12) + lock
    state, effects = run([Key("1", now=later), Key("enter", now=later + timedelta(seconds=1))],
                         service, state)
    assert effects == [CheckPin("1")]


@pytest.mark.parametrize("name", ["enter", "0", "5", "lang"])
def test_pin_and_service_screens_ignore_the_questionnaire(name: str) -> None:
    service = rules(service_enabled=True)
    state, _ = run([CornerDown(now=at(0)), Tick(now=at(3)), PinChecked(True, now=at(4)),
                    Key(name, now=at(5))], service)
    assert state.screen == "service" and state.session is None


def _at_needs(start: float = 0.0) -> flow.State:
    """Overall 5, the five factor items skipped: the needs question is on screen."""
    state, _ = run([Start(now=at(start)), Rate(5, now=at(start + 1)),
                    *[Skip(now=at(start + 2 + i)) for i in range(5)]])
    assert state.session is not None and state.session.current == "needs"
    return state


def test_the_needs_question_takes_up_to_two_choices_and_a_third_tap_does_nothing() -> None:
    needs = SIPAS.question("needs")
    assert needs is not None and needs.type == "multi" and needs.max_choices == 2
    assert flow.spoken_text(needs, "vi").endswith("8: Khác. Chọn tối đa 2 ý. Bỏ qua.")
    assert [c.id for c in needs.choices] == [
        "shorter-wait", "clearer-guidance", "fewer-documents", "online-filing", "fees",
        "officer-attitude", "faster-result", "other"]
    # keys 3 and 6 chosen, 8 refused (two already), 3 untoggled, 8 now taken, Enter continues
    state, _ = run(keys("368", 10), state=_at_needs())
    assert state.session is not None
    assert state.session.answers["needs"] == ("fewer-documents", "officer-attitude")
    state, _ = run([*keys("38", 12), Key("enter", now=at(13))], state=state)
    assert state.session is not None and state.session.current == "visits"
    state, effects = run([Key("0", now=at(14))], state=state)
    [submit] = submitted(effects)
    assert submit.draft.answers == {"overall": 5, "needs": ["officer-attitude", "other"]}


def test_the_needs_question_is_skipped_with_zero_and_absent_when_nothing_is_chosen() -> None:
    state, effects = run([*keys("1", 10), Key("0", now=at(11)), Key("0", now=at(12))],
                         state=_at_needs())
    assert submitted(effects)[0].draft.answers == {"overall": 5}
    assert state.screen == "thanks"


def test_a_hospital_kiosk_asks_the_hospital_example_questionnaire() -> None:
    hospital = find_questionnaire(questionnaire_for("", "hospital"))
    assert (hospital.ref, hospital.kind, hospital.example) == ("hospital@1", "hospital", True)
    assert find_questionnaire(questionnaire_for("", "school")).kind == "school"
    assert questionnaire_for("", "admin") == "sipas" and questionnaire_for("x.toml", "school") == "x.toml"
    hospital_rules = rules(questionnaire=hospital)
    _state, effects = run([Key("enter", now=at(0)), *keys("2", 0.5), *keys("15", 1),
                           Key("enter", now=at(2)), *keys("45345", 3)], hospital_rules)
    [submit] = submitted(effects)
    assert submit.draft.answers == {"overall": 2, "care-reasons": ["hard-to-find", "impolite-staff"],
                                    "reach": 4, "information": 5, "amenities": 3, "staff": 4,
                                    "outcome": 5}


@pytest.mark.parametrize(("question", "expected"), [
    ({"type": "single", "max_choices": 1}, "max_choices is only for multi questions"),
    ({"type": "multi", "max_choices": 3}, "max_choices 3 is more than the 2 choices"),
    ({"type": "multi", "max_choices": 0}, "greater than or equal to 1"),
])
def test_a_wrong_max_choices_is_one_clear_line(question: dict[str, object], expected: str) -> None:
    data = {"id": "q", "version": "1", "title": {"vi": "a", "en": "b"}, "questions": [
        {"id": "overall", "type": "rating", "text": {"vi": "a", "en": "b"}},
        {"id": "pick", "text": {"vi": "a", "en": "b"}, **question,
         "choices": [{"id": "x", "text": {"vi": "x", "en": "x"}},
                     {"id": "y", "text": {"vi": "y", "en": "y"}}]}]}
    with pytest.raises(SettingsError) as caught:
        parse_questionnaire(data, "q.toml")
    assert str(caught.value).startswith("q.toml: questions[1]") and expected in str(caught.value)


def test_the_hub_knows_every_bundled_questionnaire_and_the_archived_sipas_1() -> None:
    catalog = load_catalog()
    assert {"sipas@1", "sipas@2", "hospital@1", "school@1"} <= set(catalog)
    assert catalog["sipas@1"].question("needs") is None
    assert all(catalog[ref].example for ref in ("hospital@1", "school@1"))
    assert not catalog["sipas@2"].example
