"""The kiosk's behaviour as a pure state machine: events in, new state and effects out.

No pygame, MQTT, disk or clock in here: time arrives as a value on every event, and whatever
needs the outside world (storing a response, speaking, checking the PIN, quitting) leaves as an
effect for the app to perform. So every branch (skip, reasons, time-out, gating, a repeated
dossier, the language switch, the minimum interval, debouncing, the service screen) is tested
with plain lists of events.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from hailong.questionnaire import Question, Questionnaire
from kiosk import i18n, keys
from kiosk.draft import Answer, Draft
from kiosk.receipt import Receipt

Screen = Literal["idle", "question", "thanks", "notice", "pin", "service"]
Trigger = Literal["tap", "scan", "officer"]

# Taps on one target (or one spot) within 0.3 s are one: a finger drumming on a face gives one
# answer, while a deliberate second press, or keys half a second apart, always count.
DEBOUNCE = timedelta(seconds=0.3)
# How long "already rated" and "please scan" stay up unless touched.
NOTICE_SECONDS = 4.0
# A banner over the question (an officer card, a repeated dossier during a questionnaire).
BANNER_SECONDS = 3.0
# The service screen opens after a 3-second press on the top-left corner, then asks the PIN.
CORNER_HOLD = timedelta(seconds=3)
PIN_MAX_DIGITS = 12
# How many wrong PINs lock the screen, and for how long, is kiosk/pinlock.py's to decide (kept
# on disk); the flow shows the lock it is told of (PinChecked.locked_until).
# A technician reads the service screen at leisure, but it must not stay open for the next
# citizen: it closes after 2 minutes without a touch.
SERVICE_TIMEOUT = timedelta(minutes=2)


# -- events ----------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class _Event:
    now: datetime
    # What was pressed ("face:4", "key:4"…) and where, for debouncing; "" means never debounced.
    target: str = ""
    pos: tuple[int, int] | None = None


@dataclass(frozen=True, kw_only=True)
class Start(_Event):
    """The idle screen's start button, or the officer's "next citizen" signal."""

    trigger: Trigger = "tap"


@dataclass(frozen=True)
class Rate(_Event):
    value: int


@dataclass(frozen=True)
class Skip(_Event):
    """Skip, or "not received yet" (which counts as skipped)."""


@dataclass(frozen=True)
class Choose(_Event):
    index: int  # 0-based, in the questionnaire's order of choices


@dataclass(frozen=True)
class Continue(_Event):
    pass


@dataclass(frozen=True)
class Back(_Event):
    pass


@dataclass(frozen=True)
class SwitchLanguage(_Event):
    pass


@dataclass(frozen=True)
class ReadAloud(_Event):
    pass


@dataclass(frozen=True)
class NextPage(_Event):
    """The next page of choices, when they do not all fit on the screen."""

    pages: int


@dataclass(frozen=True)
class Touch(_Event):
    """A touch on no button (dismisses the thank-you and notices, starts from idle)."""


@dataclass(frozen=True)
class Key(_Event):
    """A key by its name in :mod:`kiosk.keys` ("0"-"9", "enter", "back", "lang" …)."""

    name: str


@dataclass(frozen=True)
class Scan(_Event):
    """A scanned code, already classified and hashed by the app (never the clear code)."""

    kind: Literal["receipt", "officer", "unknown"]
    receipt: Receipt | None = None
    officer: str | None = None
    already_rated: bool = False


@dataclass(frozen=True)
class CornerDown(_Event):
    pass


@dataclass(frozen=True)
class CornerUp(_Event):
    pass


@dataclass(frozen=True)
class PinKey(_Event):
    key: str  # a digit, "delete", "ok" or "cancel"


@dataclass(frozen=True)
class PinChecked(_Event):
    ok: bool
    locked_until: datetime | None = None  # the PIN screen is locked until then (kiosk/pinlock.py)


@dataclass(frozen=True)
class ServiceAction(_Event):
    name: Literal["test-scanner", "close", "exit"]


@dataclass(frozen=True)
class Tick(_Event):
    pass


Event = (Start | Rate | Skip | Choose | Continue | Back | SwitchLanguage | ReadAloud | NextPage
         | Touch | Key | Scan | CornerDown | CornerUp | PinKey | PinChecked | ServiceAction | Tick)


# -- effects ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Submit:
    """Store this response durably (the thank-you shows once it is)."""

    draft: Draft


@dataclass(frozen=True)
class Speak:
    text: str
    lang: str


@dataclass(frozen=True)
class CheckPin:
    pin: str


@dataclass(frozen=True)
class Quit:
    pass


Effect = Submit | Speak | CheckPin | Quit


# -- state -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rules:
    """What the flow needs from the settings and the questionnaire."""

    questionnaire: Questionnaire
    idle_timeout: float = 30.0
    thank_you_seconds: float = 5.0
    min_interval: float = 5.0
    reasons_threshold: int = 3
    complaint_threshold: int = 2
    gating: bool = False
    language: str = "vi"
    service_enabled: bool = False
    # Two taps closer than this (in pixels) are on one spot, for debouncing.
    debounce_radius: float = 60.0


@dataclass(frozen=True)
class Session:
    """One citizen's questionnaire in progress."""

    trigger: Trigger
    started_at: datetime
    current: str
    receipt: Receipt | None = None
    officer: str | None = None
    answers: Mapping[str, int | tuple[str, ...]] = field(default_factory=dict)
    page: int = 0


@dataclass(frozen=True)
class State:
    screen: Screen = "idle"
    lang: str = "vi"
    session: Session | None = None
    officer: str | None = None  # on duty, from the settings or the last officer card
    last_input: datetime | None = None
    last_stored_at: datetime | None = None
    until: datetime | None = None  # end of the thank-you or notice screen
    notice: str = ""  # catalogue key of the notice screen
    complaint: bool = False  # the thank-you shows the complaint channel
    banner: str = ""
    banner_until: datetime | None = None
    debounce: tuple[str, tuple[int, int] | None, datetime] | None = None
    corner_since: datetime | None = None
    pin: str = ""
    pin_locked_until: datetime | None = None
    pin_message: str = ""
    scan_test: str = ""  # "", "waiting", "receipt", "officer", "unknown"
    scan_test_at: datetime | None = None


def initial_state(rules: Rules, officer: str | None = None) -> State:
    return State(lang=rules.language, officer=officer or None)


# -- the questionnaire's path ----------------------------------------------------------------
def overall_id(questionnaire: Questionnaire) -> str:
    """The question that opens the questionnaire and decides reasons and the complaint channel."""
    return questionnaire.enabled_questions[0].id


def shows(question: Question, answers: Mapping[str, object], rules: Rules) -> bool:
    """Whether ``question`` is asked, given the answers so far.

    ``[kiosk] reasons_threshold`` moves the upper bound of an "at or below" condition on the
    opening question (the reasons), so an office can change it without editing the file.
    """
    cond = question.show_if
    if cond is None:
        return True
    top = cond.max
    if cond.question == overall_id(rules.questionnaire) and cond.min == 1:
        top = rules.reasons_threshold
    value = answers.get(cond.question)
    return isinstance(value, int) and cond.min <= value <= top


def path(rules: Rules, answers: Mapping[str, object]) -> list[Question]:
    """The questions this citizen is asked, in order, given the answers so far."""
    return [q for q in rules.questionnaire.enabled_questions if shows(q, answers, rules)]


def current_question(state: State, rules: Rules) -> Question | None:
    if state.session is None:
        return None
    return rules.questionnaire.question(state.session.current)


def progress(state: State, rules: Rules) -> tuple[int, int]:
    """(n, total) of the current question among those asked."""
    if state.session is None:
        return 0, 0
    asked = [q.id for q in path(rules, state.session.answers)]
    n = asked.index(state.session.current) + 1 if state.session.current in asked else 0
    return n, len(asked)


def _neighbour(session: Session, rules: Rules, forward: bool) -> str | None:
    order = [q.id for q in rules.questionnaire.enabled_questions]
    here = order.index(session.current)
    asked = {q.id for q in path(rules, session.answers)}
    candidates = order[here + 1:] if forward else reversed(order[:here])
    return next((qid for qid in candidates if qid in asked), None)


def wire_answers(session: Session, rules: Rules) -> dict[str, Answer]:
    """The answers to send: questions still asked, choices as lists, nothing empty."""
    asked = {q.id for q in path(rules, session.answers)}
    out: dict[str, Answer] = {}
    for qid, value in session.answers.items():
        if qid not in asked:
            continue  # e.g. reasons given before going back and raising the overall answer
        if isinstance(value, tuple):
            if value:
                out[qid] = list(value)
        else:
            out[qid] = value
    return out


def spoken_text(question: Question, lang: str) -> str:
    """What the speaker button reads: the question, then its answers."""
    parts = [question.text.get(lang), i18n.t(lang, "question.answers_are")]
    if question.is_rating:
        parts += [f"{n}: {i18n.t(lang, f'scale.{n}')}" for n in range(1, 6)]
        if question.not_yet is not None:
            parts.append(question.not_yet.get(lang))
    else:
        parts += [f"{n}: {c.text.get(lang)}" for n, c in enumerate(question.choices, 1)]
        if question.max_choices is not None:
            parts.append(i18n.t(lang, "question.choose_up_to", n=question.max_choices))
    parts.append(i18n.t(lang, "question.skip"))
    return ". ".join(p.rstrip(".:?") for p in parts) + "."


# -- the machine -----------------------------------------------------------------------------
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
    if isinstance(event, Key) and not event.target:
        event = replace(event, target=f"key:{event.name}")
    if not isinstance(event, Tick | PinChecked | CornerDown | CornerUp | Scan) and (
            event.target or event.pos):
        bounced = _bounced(state, event, rules)
        state = replace(state, debounce=(event.target, event.pos, event.now))
        if bounced:
            return state, []
    if isinstance(event, Tick):
        return _tick(state, event, rules)
    if isinstance(event, CornerDown | CornerUp):
        since = event.now if isinstance(event, CornerDown) and state.screen == "idle" else None
        return replace(state, corner_since=since), []
    if isinstance(event, Scan):
        return _scan(state, event, rules)
    if state.screen in ("pin", "service"):
        return _service(state, event, rules)
    state = replace(state, last_input=event.now)
    if isinstance(event, Key):
        event = _key_event(state, event, rules)
        if isinstance(event, Key):
            return state, []
    if isinstance(event, SwitchLanguage):
        return replace(state, lang=i18n.other(state.lang)), []
    if state.screen == "idle":
        return _idle(state, event, rules)
    if state.screen in ("thanks", "notice"):
        return _back_to_idle(state, rules, keep_lang=state.screen == "notice"), []
    return _question(state, event, rules)


def _key_event(state: State, event: Key, rules: Rules) -> Event:
    """A key as the touch it stands for on this screen (or the key itself when it means nothing)."""
    name = event.name
    common: dict[str, Any] = {"now": event.now, "target": f"key:{event.name}"}
    if state.screen in ("thanks", "notice"):
        return Touch(**common)  # any key ends the thank-you or the notice
    if name == keys.LANG:
        return SwitchLanguage(**common)
    if name == keys.OFFICER:
        return Start(trigger="officer", **common) if state.screen == "idle" else event
    if state.screen == "idle":
        return Start(trigger="tap", **common) if name == keys.ENTER else event
    question = current_question(state, rules)
    if question is None:
        return event
    if name == keys.READ:
        return ReadAloud(**common)
    if name == keys.BACK:
        return Back(**common)
    if name == keys.ENTER:
        return Continue(**common)
    if name == "0":
        return Skip(**common)
    if name.isdigit():
        digit = int(name)
        if question.is_rating:
            return Rate(digit, **common) if digit <= 5 else event
        return Choose(digit - 1, **common)
    return event


def _idle(state: State, event: Event, rules: Rules) -> tuple[State, list[Effect]]:
    if isinstance(event, Start | Touch):
        trigger: Trigger = event.trigger if isinstance(event, Start) else "tap"
        return _open(state, event.now, trigger, rules, None), []
    return state, []


def _in_min_interval(state: State, now: datetime, rules: Rules) -> bool:
    return (state.last_stored_at is not None
            and (now - state.last_stored_at).total_seconds() < rules.min_interval)


def _open(state: State, now: datetime, trigger: Trigger, rules: Rules,
          receipt: Receipt | None) -> State:
    if _in_min_interval(state, now, rules):
        return state
    if rules.gating and trigger == "tap":
        return _notice(state, now, "notice.gated")
    session = Session(trigger=trigger, started_at=now, current=overall_id(rules.questionnaire),
                      receipt=receipt, officer=state.officer)
    return replace(state, screen="question", session=session, last_input=now, corner_since=None)


def _notice(state: State, now: datetime, key: str) -> State:
    return replace(state, screen="notice", notice=key, last_input=now,
                   until=now + timedelta(seconds=NOTICE_SECONDS))


def _back_to_idle(state: State, rules: Rules, keep_lang: bool = False) -> State:
    return replace(state, screen="idle", session=None, until=None, notice="", complaint=False,
                   banner="", banner_until=None, pin="", pin_message="", scan_test="",
                   lang=state.lang if keep_lang else rules.language)


def _question(state: State, event: Event, rules: Rules) -> tuple[State, list[Effect]]:
    session = state.session
    question = current_question(state, rules)
    if session is None or question is None:
        return _back_to_idle(state, rules), []
    answers = dict(session.answers)
    if isinstance(event, ReadAloud):
        return state, [Speak(spoken_text(question, state.lang), state.lang)]
    if isinstance(event, Back):
        previous = _neighbour(session, rules, forward=False)
        if previous is None:
            return state, []
        return replace(state, session=replace(session, current=previous, page=0)), []
    if isinstance(event, NextPage):
        page = (session.page + 1) % max(1, event.pages)
        return replace(state, session=replace(session, page=page)), []
    if isinstance(event, Rate) and question.is_rating and 1 <= event.value <= 5:
        answers[question.id] = event.value
    elif isinstance(event, Skip):
        answers.pop(question.id, None)
    elif isinstance(event, Choose) and not question.is_rating:
        if not 0 <= event.index < len(question.choices):
            return state, []
        choice = question.choices[event.index].id
        if question.type == "single":
            answers[question.id] = (choice,)
        else:
            chosen = list(answers.get(question.id, ()))  # type: ignore[arg-type]
            if choice in chosen:
                chosen.remove(choice)
            elif question.max_choices is None or len(chosen) < question.max_choices:
                chosen.append(choice)
            # kept in the questionnaire's order, whatever order they were tapped in
            order = [c.id for c in question.choices]
            answers[question.id] = tuple(sorted(chosen, key=order.index))
            return replace(state, session=replace(session, answers=answers)), []
    elif isinstance(event, Continue):
        if question.is_rating and question.id not in answers:
            return state, []  # Enter on an unanswered rating: the faces are the answer
    else:
        return state, []
    session = replace(session, answers=answers)
    following = _neighbour(session, rules, forward=True)
    if following is None:
        return _finish(state, session, event.now, rules, complete=True)
    return replace(state, session=replace(session, current=following, page=0)), []


def _finish(state: State, session: Session, now: datetime, rules: Rules,
            complete: bool) -> tuple[State, list[Effect]]:
    answers = wire_answers(session, rules)
    draft = Draft(answers=answers, trigger=session.trigger, lang=state.lang,
                  started_at=session.started_at, submitted_at=now, complete=complete,
                  receipt=session.receipt, officer=session.officer)
    overall = answers.get(overall_id(rules.questionnaire))
    low = isinstance(overall, int) and overall <= rules.complaint_threshold
    thanks = replace(state, screen="thanks", session=None, last_stored_at=now,
                     until=now + timedelta(seconds=rules.thank_you_seconds), complaint=low,
                     banner="", banner_until=None)
    return thanks, [Submit(draft)]


def _scan(state: State, event: Scan, rules: Rules) -> tuple[State, list[Effect]]:
    if state.screen in ("pin", "service"):
        if state.scan_test:
            return replace(state, scan_test=event.kind, scan_test_at=event.now), []
        return state, []
    if event.kind == "officer" and event.officer:
        state = replace(state, officer=event.officer, banner="notice.officer_on_duty",
                        banner_until=event.now + timedelta(seconds=BANNER_SECONDS))
        if state.screen in ("idle", "thanks", "notice"):
            return _open(_back_to_idle(state, rules, keep_lang=True), event.now, "officer",
                         rules, None), []
        return state, []
    if event.kind != "receipt" or event.receipt is None:
        return state, []
    if state.screen == "question" and state.session is not None:
        if event.already_rated:
            return replace(state, banner="notice.already_rated", last_input=event.now,
                           banner_until=event.now + timedelta(seconds=BANNER_SECONDS)), []
        session = replace(state.session, receipt=event.receipt)
        return replace(state, session=session, last_input=event.now), []
    if _in_min_interval(state, event.now, rules):
        return state, []
    if event.already_rated:
        return _notice(_back_to_idle(state, rules, keep_lang=True), event.now,
                       "notice.already_rated"), []
    return _open(_back_to_idle(state, rules, keep_lang=True), event.now, "scan", rules,
                 event.receipt), []


def _tick(state: State, event: Tick, rules: Rules) -> tuple[State, list[Effect]]:
    now = event.now
    if state.banner_until is not None and now >= state.banner_until:
        state = replace(state, banner="", banner_until=None)
    quiet = (now - state.last_input).total_seconds() if state.last_input else math.inf
    if state.screen == "idle":
        if (state.corner_since is not None and rules.service_enabled
                and now - state.corner_since >= CORNER_HOLD):
            return replace(state, screen="pin", corner_since=None, pin="", last_input=now,
                           pin_message=_pin_lock_message(state, now)), []
        if state.lang != rules.language and quiet >= rules.idle_timeout:
            return replace(state, lang=rules.language), []
        return state, []
    if state.screen in ("thanks", "notice"):
        if state.until is not None and now >= state.until:
            return _back_to_idle(state, rules, keep_lang=state.screen == "notice"), []
        return state, []
    if state.screen in ("pin", "service"):
        if quiet >= SERVICE_TIMEOUT.total_seconds():
            return _back_to_idle(state, rules), []
        return state, []
    if quiet >= rules.idle_timeout and state.session is not None:
        if wire_answers(state.session, rules):
            return _finish(state, state.session, now, rules, complete=False)
        return _back_to_idle(state, rules), []  # a touch that answered nothing stores nothing
    return state, []


def _pin_lock_message(state: State, now: datetime) -> str:
    if state.pin_locked_until is not None and now < state.pin_locked_until:
        return "pin.locked"
    return ""


def _service(state: State, event: Event, rules: Rules) -> tuple[State, list[Effect]]:
    now = event.now
    state = replace(state, last_input=now)
    if isinstance(event, Key):
        mapped = {keys.ENTER: "ok", keys.BACK: "delete", keys.ESCAPE: "cancel"}.get(event.name)
        if state.screen == "pin":
            key = event.name if event.name.isdigit() else mapped
            event = PinKey(key, now=now) if key else event
        elif mapped == "cancel":
            event = ServiceAction("close", now=now)
    if state.screen == "service":
        if isinstance(event, ServiceAction):
            if event.name == "exit":
                return state, [Quit()]
            if event.name == "close":
                return _back_to_idle(state, rules), []
            return replace(state, scan_test="waiting", scan_test_at=None), []
        return state, []
    if isinstance(event, PinChecked):
        if event.ok:
            return replace(state, screen="service", pin="", pin_message=""), []
        if event.locked_until is not None:
            return replace(state, pin="", pin_locked_until=event.locked_until,
                           pin_message="pin.locked"), []
        return replace(state, pin="", pin_message="pin.wrong"), []
    if not isinstance(event, PinKey):
        return state, []
    if event.key == "cancel":
        return _back_to_idle(state, rules), []
    if _pin_lock_message(state, now):
        return replace(state, pin="", pin_message="pin.locked"), []
    if event.key == "delete":
        return replace(state, pin=state.pin[:-1], pin_message=""), []
    if event.key == "ok":
        if not state.pin:
            return state, []
        return replace(state, pin_message="pin.checking"), [CheckPin(state.pin)]
    if event.key.isdigit() and len(state.pin) < PIN_MAX_DIGITS:
        return replace(state, pin=state.pin + event.key, pin_message=""), []
    return state, []
