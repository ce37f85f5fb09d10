"""The kiosk's behaviour as a pure state machine: events in, new state and effects out.

No pygame, MQTT, disk or clock in here: time arrives as a value on every event, and whatever
needs the outside world (storing a response, speaking, checking the PIN, quitting) leaves as an
effect for the app to perform. So every branch (skip, Send, reasons, time-out, the next citizen,
gating, the dossier's stage, the language switch, the minimum interval, debouncing, the service
screen) is tested with plain lists of events. The events, the state and the path through the
questionnaire live in their own modules; this one holds the transitions.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from kiosk import i18n, keys, phone
from kiosk.answering import answer_step, finish, make_draft
from kiosk.events import (
    Back,
    CheckPin,
    Choose,
    Continue,
    CornerDown,
    CornerUp,
    Effect,
    Event,
    Key,
    LinkFailed,
    LinkReady,
    NextPage,
    OutboxOpened,
    PhoneDone,
    PickStage,
    PinChecked,
    PinKey,
    Quit,
    Rate,
    RateOnPhone,
    ReadAloud,
    RequestLink,
    Scan,
    Send,
    ServiceAction,
    Skip,
    Speak,
    Stage,
    Start,
    Stored,
    StoreFailed,
    Submit,
    SwitchLanguage,
    Tick,
    Touch,
    Trigger,
    Up,
    _Event,
)
from kiosk.path import (
    current_question,
    current_questions,
    on_stage_screen,
    overall_id,
    path,
    progress,
    screen_of,
    screens,
    shows,
    spoken_text,
    wire_answers,
)
from kiosk.pausing import STORE_RETRY, paused_step, store_failed, stored
from kiosk.receipt import Receipt
from kiosk.state import STAGE_SCREEN, PhoneLink, Rules, Session, State, back_to_idle
from kiosk.technician import (
    CORNER_HOLD,
    PIN_MAX_DIGITS,
    SERVICE_TIMEOUT,
    pin_screen,
    service_step,
)

__all__ = [
    "CORNER_HOLD", "PIN_MAX_DIGITS", "SERVICE_TIMEOUT", "STAGE_SCREEN", "STORE_RETRY",
    "Back", "CheckPin", "Choose", "Continue", "CornerDown", "CornerUp",
    "Effect", "Event", "Key", "LinkFailed", "LinkReady", "NextPage", "OutboxOpened", "PhoneDone",
    "PhoneLink", "PickStage", "PinChecked", "PinKey", "Quit", "Rate", "RateOnPhone",
    "ReadAloud", "RequestLink", "Rules", "Scan", "Send", "ServiceAction", "Session", "Skip", "Speak", "Stage",
    "Start", "State", "StoreFailed", "Stored", "Submit", "SwitchLanguage", "Tick", "Touch", "Trigger", "Up",
    "current_question", "current_questions", "initial_state", "on_stage_screen", "overall_id",
    "path", "progress", "screen_of", "screens", "shows", "spoken_text", "step", "wire_answers",
]

# Taps on one target (or one spot) within 0.3 s are one: a finger drumming on a face gives one
# answer, while a deliberate second press, or keys half a second apart, always count.
DEBOUNCE = timedelta(seconds=0.3)
# How long "already rated" and "please scan" stay up unless touched.
NOTICE_SECONDS = 4.0
# A banner over the question (an officer card, a repeated dossier during a questionnaire).
BANNER_SECONDS = 3.0
STAGES: tuple[Stage, Stage] = ("receive", "result")
# The notice shown to a citizen who starts before the outbox is open (the first second or so).
OPENING = "notice.opening"


def initial_state(rules: Rules, officer: str | None = None, outbox_open: bool = True) -> State:
    """The idle screen; the app starts with ``outbox_open=False`` and sends OutboxOpened."""
    return State(lang=rules.language, officer=officer or None, outbox_open=outbox_open)


def _bounced(state: State, event: _Event, rules: Rules) -> bool:
    last = state.debounce
    if last is None or not (event.target or event.pos):
        return False
    target, pos, at = last
    if event.now - at >= DEBOUNCE:
        return False
    if event.target and event.target == target:
        return True
    return (event.pos is not None and pos is not None
            and math.dist(event.pos, pos) < rules.debounce_radius)


def step(state: State, event: Event, rules: Rules) -> tuple[State, list[Effect]]:
    """The next state and the effects of ``event``."""
    if isinstance(event, StoreFailed):
        return store_failed(state, event, rules)
    if isinstance(event, Stored):
        return stored(state, event, rules)
    if state.screen == "paused":
        return paused_step(state, event)
    if isinstance(event, Key) and not event.target:
        event = replace(event, target=f"key:{event.name}")
    if not isinstance(event, Tick | PinChecked | CornerDown | CornerUp | Scan) and (
            event.target or event.pos):
        bounced = _bounced(state, event, rules)
        state = replace(state, debounce=(event.target, event.pos, event.now))
        if bounced:
            return state, []
    if isinstance(event, Tick):
        return _tick(phone.tick(state, event, rules), event, rules)
    if isinstance(event, LinkReady | LinkFailed):
        return phone.link_step(state, event)
    if isinstance(event, OutboxOpened):
        return _outbox_opened(state, event, rules)
    if isinstance(event, CornerDown | CornerUp):
        since = event.now if isinstance(event, CornerDown) and state.screen == "idle" else None
        return replace(state, corner_since=since), []
    if isinstance(event, Scan):
        after, effects = _scan(state, event, rules)
        after, asked = phone.ask_for_link(state, after, event, rules)
        return after, effects + asked
    if state.screen in ("pin", "service"):
        return service_step(state, event, rules)
    state = replace(state, last_input=event.now)
    if state.screen == "phone" and not (isinstance(event, Key) and event.name == keys.OFFICER):
        return phone.phone_step(state, event, rules)  # the officer's "+" opens the next citizen
    if isinstance(event, Key):
        event = _key_event(state, event, rules)
        if isinstance(event, Key):
            return state, []
    if state.screen == "notice" and state.notice == OPENING:
        return state, []  # "one moment": the start is kept, nothing else is taken
    if isinstance(event, SwitchLanguage):
        return replace(state, lang=i18n.other(state.lang)), []
    if state.screen == "idle":
        return _idle(state, event, rules)
    if state.screen in ("thanks", "notice"):
        return back_to_idle(state, rules, keep_lang=state.screen == "notice"), []
    if isinstance(event, Start) and event.trigger == "officer":
        return _next_citizen(state, event.now, rules, "officer", None, frozenset())
    if isinstance(event, RateOnPhone):
        return phone.rate_on_phone(state, event, rules)
    state, effects = answer_step(state, event, rules)
    return phone.after_rating(state, effects), effects


def _key_event(state: State, event: Key, rules: Rules) -> Event:
    """A key as the touch it stands for on this screen (or the key itself when it means nothing)."""
    name = event.name
    common: dict[str, Any] = {"now": event.now, "target": f"key:{event.name}"}
    if state.screen in ("thanks", "notice"):
        return Touch(**common)  # any key ends the thank-you or the notice
    if name == keys.LANG:
        return SwitchLanguage(**common)
    if name == keys.OFFICER:
        return Start(trigger="officer", **common)
    if state.screen == "idle":
        return Start(trigger="tap", **common) if name == keys.ENTER else event
    if state.session is None:
        return event
    if name == keys.SEND:
        return Send(**common)
    if on_stage_screen(state):
        return _stage_key(name, common)
    questions = current_questions(state, rules)
    question = current_question(state, rules)
    if question is None:
        return event
    several = len(questions) > 1
    if name == keys.READ:
        return ReadAloud(**common)
    if name == keys.BACK:
        return Up(**common) if several and state.session.row > 0 else Back(**common)
    if name == keys.ENTER:
        return Continue(**common)
    if name == "0":
        return Skip(question=question.id, keyed=True, **common)
    if name.isdigit():
        digit = int(name)
        if question.is_rating:
            return Rate(digit, question=question.id, keyed=True, **common) if digit <= 5 else event
        return Choose(digit - 1, question=question.id, keyed=True, **common)
    return event


def _stage_key(name: str, common: dict[str, Any]) -> Event:
    if name in ("1", "2"):
        return PickStage(STAGES[int(name) - 1], **common)
    return {keys.BACK: Back, "0": Skip, keys.ENTER: Skip}.get(name, Touch)(**common)


def _idle(state: State, event: Event, rules: Rules) -> tuple[State, list[Effect]]:
    if isinstance(event, Start | Touch):
        trigger: Trigger = event.trigger if isinstance(event, Start) else "tap"
        return _open(state, event.now, trigger, rules, None, frozenset()), []
    return state, []


def _in_min_interval(state: State, now: datetime, rules: Rules) -> bool:
    return (state.last_stored_at is not None
            and (now - state.last_stored_at).total_seconds() < rules.min_interval)


def stage_for(rules: Rules, receipt: Receipt | None, rated: frozenset[str]
              ) -> tuple[Stage | None, bool, bool]:
    """(the stage known, whether to ask it, whether this dossier is rated at every stage left)."""
    if rules.stage != "any":
        return rules.stage, False, receipt is not None and rules.stage in rated
    if receipt is None:
        return None, False, False
    left = [s for s in STAGES if s not in rated]
    if not left:
        return None, False, True
    return (left[0], False, False) if len(left) == 1 else (None, True, False)


def _open(state: State, now: datetime, trigger: Trigger, rules: Rules,
          receipt: Receipt | None, rated: frozenset[str], interval: bool = True) -> State:
    if interval and _in_min_interval(state, now, rules):
        return state
    if rules.gating and trigger == "tap":
        return _notice(state, now, "notice.gated")
    if not state.outbox_open:
        # nothing could be stored yet: wait visibly, and open once the outbox is (a scanned
        # receipt is not kept: whether it was rated here is a question for the outbox)
        return replace(_notice(state, now, OPENING), until=None,
                       waiting=trigger if receipt is None else None)
    stage, ask, done = stage_for(rules, receipt, rated)
    if done:
        return _notice(state, now, "notice.already_rated")
    session = Session(trigger=trigger, started_at=now, current=overall_id(rules.questionnaire),
                      receipt=receipt, officer=state.officer, stage=stage, ask_stage=ask)
    return replace(state, screen="question", session=session, last_input=now, corner_since=None)


def _outbox_opened(state: State, event: OutboxOpened, rules: Rules
                   ) -> tuple[State, list[Effect]]:
    waiting = state.waiting
    state = replace(state, outbox_open=True, waiting=None,
                    pin_locked_until=event.pin_locked_until)
    if not (state.screen == "notice" and state.notice == OPENING):
        return state, []
    idle = back_to_idle(state, rules, keep_lang=True)
    if waiting is None:
        return idle, []
    if waiting == "service":
        return pin_screen(idle, event.now), []
    return _open(idle, event.now, waiting, rules, None, frozenset(), interval=False), []


def _notice(state: State, now: datetime, key: str) -> State:
    return replace(state, screen="notice", notice=key, last_input=now,
                   until=now + timedelta(seconds=NOTICE_SECONDS))


def _next_citizen(state: State, now: datetime, rules: Rules, trigger: Trigger,
                  receipt: Receipt | None, rated: frozenset[str]) -> tuple[State, list[Effect]]:
    """A receipt scan or the officer's "next citizen" during a questionnaire: whatever the
    previous citizen answered is stored at once (incomplete), and a fresh one opens."""
    effects: list[Effect] = []
    if state.session is not None and wire_answers(state.session, rules):
        effects.append(Submit(make_draft(state, state.session, now, rules, complete=False)))
        state = replace(state, last_stored_at=now)
    fresh = back_to_idle(state, rules, keep_lang=False)
    return _open(fresh, now, trigger, rules, receipt, rated, interval=False), effects


def _scan(state: State, event: Scan, rules: Rules) -> tuple[State, list[Effect]]:
    if state.screen in ("pin", "service"):
        if state.scan_test:
            return replace(state, scan_test=event.kind, scan_test_at=event.now), []
        return state, []
    if event.kind == "officer" and event.officer:
        state = replace(state, officer=event.officer, banner="notice.officer_on_duty",
                        banner_until=event.now + timedelta(seconds=BANNER_SECONDS))
        if state.screen in ("idle", "thanks", "notice", "phone"):
            return _open(back_to_idle(state, rules, keep_lang=True), event.now, "officer",
                         rules, None, frozenset()), []
        return state, []
    if event.kind != "receipt" or event.receipt is None:
        return state, []
    session = state.session
    if state.screen == "question" and session is not None:
        if session.receipt is not None and session.receipt.h == event.receipt.h:
            return replace(state, last_input=event.now), []  # the same receipt scanned again
        if session.receipt is None and not wire_answers(session, rules):
            # the citizen who touched "start" scans before answering: the same person
            stage, ask, done = stage_for(rules, event.receipt, event.rated)
            if done:
                return replace(state, banner="notice.already_rated", last_input=event.now,
                               banner_until=event.now + timedelta(seconds=BANNER_SECONDS)), []
            session = replace(session, receipt=event.receipt, stage=stage, ask_stage=ask)
            return replace(state, session=session, last_input=event.now), []
        return _next_citizen(state, event.now, rules, "scan", event.receipt, event.rated)
    if _in_min_interval(state, event.now, rules):
        return state, []
    return _open(back_to_idle(state, rules, keep_lang=True), event.now, "scan", rules,
                 event.receipt, event.rated), []


def _tick(state: State, event: Tick, rules: Rules) -> tuple[State, list[Effect]]:
    now = event.now
    if state.banner_until is not None and now >= state.banner_until:
        state = replace(state, banner="", banner_until=None)
    quiet = (now - state.last_input).total_seconds() if state.last_input else math.inf
    if state.screen == "idle":
        if (state.corner_since is not None and rules.service_enabled
                and now - state.corner_since >= CORNER_HOLD):
            if not state.outbox_open:  # the PIN's lockout is in the outbox: wait for it
                return replace(_notice(state, now, OPENING), until=None, corner_since=None,
                               waiting="service"), []
            return pin_screen(state, now), []
        if state.lang != rules.language and quiet >= rules.idle_timeout:
            return replace(state, lang=rules.language), []
        return state, []
    if state.screen in ("thanks", "notice"):
        if state.until is not None and now >= state.until:
            return back_to_idle(state, rules, keep_lang=state.screen == "notice"), []
        return state, []
    if state.screen in ("pin", "service"):
        if quiet >= SERVICE_TIMEOUT.total_seconds():
            return back_to_idle(state, rules), []
        return state, []
    if quiet >= rules.idle_timeout and state.session is not None:
        if wire_answers(state.session, rules):
            thanks, effects = finish(state, state.session, now, rules, complete=False)
            return phone.after_rating(thanks, effects), effects
        return back_to_idle(state, rules), []  # a touch that answered nothing stores nothing
    return state, []
