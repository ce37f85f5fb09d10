"""The phone link in the pure flow: asked at the scan, shown when it came, never waited for."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from hailong.questionnaire import load_catalog
from kiosk import flow
from kiosk.flow import (
    Key,
    LinkFailed,
    LinkReady,
    PhoneDone,
    Rate,
    RateOnPhone,
    RequestLink,
    Scan,
    Start,
    Submit,
    Tick,
    Touch,
)
from kiosk.flowclock import FlowClock
from kiosk.phone import LINK_WAIT, PHONE_SCREEN, QR_THANKS, offers_phone, thanks_link
from kiosk.receipt import Receipt

T0 = datetime(2026, 12, 3, 9, 0, tzinfo=timezone(timedelta(hours=7)))
RULES = flow.Rules(questionnaire=load_catalog()["sipas@2"])
RECEIPT = Receipt("b" * 64, "H21.65", "2026-12-03")
OTHER = Receipt("c" * 64, "H21.65", "2026-12-03")
URL = "https://hub.example/r/abc"
EXPIRES = T0 + timedelta(days=30)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def run(events: list[flow.Event], rules: flow.Rules = RULES
        ) -> tuple[flow.State, list[flow.Effect]]:
    state = flow.initial_state(rules)
    effects: list[flow.Effect] = []
    for event in events:
        state, new = flow.step(state, event, rules)
        effects += new
    return state, effects


def scanned(receipt: Receipt = RECEIPT, request: str = "req-1", now: float = 0,
            rated: frozenset[str] = frozenset()) -> Scan:
    return Scan("receipt", receipt, rated=rated, request=request,
                result_request=request.replace("req", "res"), now=at(now))


def test_a_receipt_scan_asks_for_the_links_at_once_with_the_hash_and_known_stage() -> None:
    state, effects = run([scanned()])
    # the stage rated now (not known yet at an "any" kiosk), and the result stage to come
    assert effects == [RequestLink("req-1", RECEIPT.h, None),
                       RequestLink("res-1", RECEIPT.h, "result")]
    assert state.link is not None and not state.link.ready
    assert state.result_link is not None and not state.result_link.ready
    receiving = flow.Rules(questionnaire=RULES.questionnaire, stage="receive")
    _, effects = run([scanned()], receiving)
    assert effects == [RequestLink("req-1", RECEIPT.h, "receive"),
                       RequestLink("res-1", RECEIPT.h, "result")]
    # beside the result counter (or the receiving stage rated already) no stage is to come
    _, effects = run([scanned()], flow.Rules(questionnaire=RULES.questionnaire, stage="result"))
    assert effects == [RequestLink("req-1", RECEIPT.h, "result")]
    _, effects = run([scanned(rated=frozenset({"receive"}))])
    assert effects == [RequestLink("req-1", RECEIPT.h, "result")]


def test_no_request_without_a_receipt_when_switched_off_or_for_a_rated_dossier() -> None:
    assert run([Start(now=at(0)), Touch(now=at(1))])[1] == []
    off = flow.Rules(questionnaire=RULES.questionnaire, phone_link=False)
    state, effects = run([scanned()], off)
    assert effects == [] and state.link is None and state.screen == "question"
    state, effects = run([scanned(rated=frozenset({"receive", "result"}))])
    assert effects == [] and state.screen == "notice"


def test_a_scan_after_a_start_tap_asks_for_the_link_of_that_receipt() -> None:
    state, effects = run([Start(now=at(0)), scanned(now=1)])
    assert effects[0] == RequestLink("req-1", RECEIPT.h, None) and len(effects) == 2
    assert state.session is not None and state.session.receipt == RECEIPT


def test_the_same_receipt_scanned_twice_asks_once() -> None:
    _, effects = run([scanned(), scanned(request="req-2", now=1)])
    assert [e.request for e in effects if isinstance(e, RequestLink)] == ["req-1", "res-1"]


def test_the_link_offers_the_phone_on_the_first_question_and_shows_the_qr_full_screen() -> None:
    state, _ = run([scanned(), LinkReady("req-1", URL, EXPIRES, now=at(0.2))])
    assert offers_phone(state, RULES) and state.link is not None and state.link.url == URL
    state, effects = flow.step(state, RateOnPhone(now=at(2), target="phone"), RULES)
    assert state.screen == "phone" and state.session is None and effects == []
    assert state.link is not None and state.link.url == URL  # what the screen draws
    # a touch elsewhere (a phone held against the glass) does not close it; "Xong" does
    state, effects = flow.step(state, Touch(now=at(5), pos=(10, 10)), RULES)
    assert state.screen == "phone"
    state, effects = flow.step(state, PhoneDone(now=at(9), target="phone-done"), RULES)
    assert state.screen == "idle" and state.link is None and effects == []
    assert state.last_stored_at is None  # nothing stored: the minimum interval does not apply


def test_the_full_screen_qr_ends_by_enter_or_by_itself_and_stores_nothing() -> None:
    ready = [scanned(), LinkReady("req-1", URL, EXPIRES, now=at(0.2)), RateOnPhone(now=at(1))]
    state, effects = run([*ready, Key("enter", now=at(3))])
    assert state.screen == "idle" and effects[2:] == []
    state, effects = run([*ready, Tick(now=at(1) + PHONE_SCREEN - timedelta(seconds=0.1))])
    assert state.screen == "phone"
    state, effects = run([*ready, Tick(now=at(1) + PHONE_SCREEN)])
    assert state.screen == "idle"
    assert not any(isinstance(e, Submit) for e in effects)


def test_no_phone_button_once_something_is_answered_or_before_the_link_came() -> None:
    state, _ = run([scanned(), RateOnPhone(now=at(1))])
    assert state.screen == "question" and not offers_phone(state, RULES)
    state, _ = run([scanned(), LinkReady("req-1", URL, EXPIRES, now=at(0.2)), Rate(2, now=at(1)),
                    Key("back", now=at(2)), RateOnPhone(now=at(3))])
    assert state.screen == "question" and not offers_phone(state, RULES)


def test_a_failed_stale_or_expired_link_shows_nothing() -> None:
    state, _ = run([scanned(), LinkFailed("req-1", "refused", now=at(0.3))])
    assert state.link is None
    state, _ = run([scanned(), LinkReady("someone-else", URL, EXPIRES, now=at(0.3))])
    assert state.link is not None and not state.link.ready
    state, _ = run([scanned(), LinkReady("req-1", URL, at(0), now=at(0.3))])
    assert state.link is None


def test_a_hub_that_never_answers_is_given_up_and_a_late_answer_ignored() -> None:
    wait = LINK_WAIT.total_seconds()
    state, _ = run([scanned(), Tick(now=at(wait - 0.1))])
    assert state.link is not None
    state, _ = run([scanned(), Tick(now=at(wait)), LinkReady("req-1", URL, EXPIRES,
                                                               now=at(wait + 1))])
    assert state.link is None and state.screen == "question"


def test_the_thank_you_shows_the_result_link_longer_and_the_next_citizen_starts_without() -> None:
    state, effects = run([scanned(), LinkReady("req-1", URL, EXPIRES, now=at(0.2)),
                          LinkReady("res-1", URL + "/result", EXPIRES, now=at(0.3)),
                          Rate(5, now=at(2)), Key("send", now=at(3))])
    assert state.screen == "thanks" and thanks_link(state) == URL + "/result"
    assert isinstance(effects[-1], Submit)
    assert state.until == at(3) + QR_THANKS
    state, _ = flow.step(state, Tick(now=at(3) + QR_THANKS), RULES)
    assert state.screen == "idle" and state.link is None and state.result_link is None


def test_a_link_arriving_on_the_thank_you_shows_there_and_holds_it() -> None:
    state, _ = run([scanned(), Rate(5, now=at(1)), Key("send", now=at(2))])
    assert state.screen == "thanks" and state.until == at(2 + RULES.thank_you_seconds)
    state, _ = flow.step(state, LinkReady("req-1", URL, EXPIRES, now=at(2.5)), RULES)
    assert thanks_link(state) == "" and state.until == at(2 + RULES.thank_you_seconds)
    state, _ = flow.step(state, LinkReady("res-1", URL, EXPIRES, now=at(3)), RULES)
    assert thanks_link(state) == URL and state.until == at(2) + QR_THANKS


def test_no_code_on_the_thank_you_after_rating_the_result() -> None:
    # an "any" kiosk: the citizen says they collected the result, so no stage is left to come
    state, effects = run([scanned(), LinkReady("res-1", URL, EXPIRES, now=at(0.3)),
                          Rate(4, now=at(1)), Key("2", now=at(2)), Key("send", now=at(3))])
    submitted = [e for e in effects if isinstance(e, Submit)]
    assert submitted[0].draft.stage == "result" and state.screen == "thanks"
    assert thanks_link(state) == "" and state.until == at(3 + RULES.thank_you_seconds)


def test_a_citizen_who_walks_away_leaves_a_short_thank_you() -> None:
    state, _ = run([scanned(), LinkReady("res-1", URL, EXPIRES, now=at(0.3)),
                    Rate(4, now=at(1)), Tick(now=at(1 + RULES.idle_timeout))])
    assert state.screen == "thanks" and thanks_link(state) == URL
    assert state.until == at(1 + RULES.idle_timeout + RULES.thank_you_seconds)


def test_a_new_receipt_during_the_questionnaire_asks_anew_and_drops_the_old_link() -> None:
    state, effects = run([scanned(), LinkReady("req-1", URL, EXPIRES, now=at(0.2)),
                          Rate(4, now=at(1)), scanned(OTHER, request="req-2", now=2)])
    assert isinstance(effects[2], Submit) and effects[3] == RequestLink("req-2", OTHER.h, None)
    assert state.link is not None and state.link.request == "req-2" and not state.link.ready


def test_the_next_receipt_scanned_over_the_full_screen_code_opens_its_own_questionnaire() -> None:
    state, effects = run([scanned(), LinkReady("req-1", URL, EXPIRES, now=at(0.2)),
                          RateOnPhone(now=at(1)), scanned(OTHER, request="req-2", now=3)])
    assert state.screen == "question" and state.session is not None
    assert state.session.receipt == OTHER and state.session.trigger == "scan"
    assert state.link is not None and state.link.request == "req-2" and not state.link.ready
    assert effects[2:] == [RequestLink("req-2", OTHER.h, None),
                           RequestLink("res-2", OTHER.h, "result")]


def test_the_officers_next_citizen_signal_works_over_the_full_screen_code() -> None:
    ready = [scanned(), LinkReady("req-1", URL, EXPIRES, now=at(0.2)), RateOnPhone(now=at(1))]
    for signal in (Key("officer", now=at(3)), Scan("officer", officer="cb-020", now=at(3))):
        state, effects = run([*ready, signal])
        assert state.screen == "question" and state.session is not None
        assert state.session.trigger == "officer" and state.session.receipt is None
        assert state.link is None and not any(isinstance(e, Submit) for e in effects)
    state, _ = run([*ready, Key("lang", now=at(3)), Key("5", now=at(4))])
    assert state.screen == "phone"  # other keys do nothing there


def test_a_wall_clock_jump_neither_ends_nor_prolongs_the_full_screen_code() -> None:
    wall_offset, mono = [0.0], [100.0]
    clock = FlowClock(wall=lambda: T0 + timedelta(seconds=mono[0] - 100 + wall_offset[0]),
                      monotonic=lambda: mono[0])
    state = flow.initial_state(RULES)

    def feed(event_at: Callable[[datetime], flow.Event]) -> None:
        nonlocal state
        state, _ = flow.step(state, event_at(clock.now(idle=state.screen == "idle")), RULES)

    feed(lambda now: Scan("receipt", RECEIPT, request="req-1", now=now))
    feed(lambda now: LinkReady("req-1", URL, EXPIRES, now=now))
    feed(lambda now: RateOnPhone(now=now))
    for jump in (timedelta(days=1), -timedelta(hours=2)):
        wall_offset[0] = jump.total_seconds()  # NTP answering at last, or a technician
        mono[0] += 1
        feed(lambda now: Tick(now=now))
        assert state.screen == "phone"
    mono[0] = 100 + PHONE_SCREEN.total_seconds() - 0.5
    feed(lambda now: Tick(now=now))
    assert state.screen == "phone"
    mono[0] += 0.5
    feed(lambda now: Tick(now=now))
    assert state.screen == "idle"
