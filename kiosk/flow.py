"""The questionnaire flow as a pure state machine: events in, new state and effects out.

No pygame, MQTT or clock in here: time arrives as a value on every event, so the whole flow is
tested with lists of events. (Foundation version: idle → overall question → thank-you; the
citizen-kiosk issue grows it to the whole questionnaire.)
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

Screen = Literal["idle", "question", "thanks"]


@dataclass(frozen=True)
class Start:
    trigger: str
    now: datetime


@dataclass(frozen=True)
class Rate:
    value: int | None  # None: skipped
    now: datetime


@dataclass(frozen=True)
class Tick:
    now: datetime


Event = Start | Rate | Tick


@dataclass(frozen=True)
class Submit:
    """Effect: store this response durably."""

    answers: dict[str, int]
    trigger: str
    lang: str
    started_at: datetime
    submitted_at: datetime
    complete: bool


Effect = Submit


@dataclass(frozen=True)
class State:
    screen: Screen = "idle"
    lang: str = "vi"
    trigger: str = "tap"
    started_at: datetime | None = None
    last_input: datetime | None = None
    answers: dict[str, int] = field(default_factory=dict)
    thanks_until: datetime | None = None


@dataclass(frozen=True)
class Rules:
    idle_timeout: float = 30.0
    thank_you_seconds: float = 5.0
    question: str = "overall"


def step(state: State, event: Event, rules: Rules) -> tuple[State, list[Effect]]:
    if isinstance(event, Start):
        if state.screen != "idle":
            return state, []
        return replace(state, screen="question", trigger=event.trigger, started_at=event.now,
                       last_input=event.now, answers={}), []
    if isinstance(event, Rate):
        if state.screen == "thanks":
            return State(lang=state.lang), []
        if state.screen != "question" or state.started_at is None:
            return state, []
        answers = {} if event.value is None else {rules.question: event.value}
        effect = Submit(answers, state.trigger, state.lang, state.started_at, event.now, True)
        thanks_until = event.now.timestamp() + rules.thank_you_seconds
        return replace(state, screen="thanks", answers={},
                       thanks_until=datetime.fromtimestamp(thanks_until, event.now.tzinfo)), [effect]
    # Tick
    if state.screen == "thanks" and state.thanks_until and event.now >= state.thanks_until:
        return State(lang=state.lang), []
    if (state.screen == "question" and state.last_input is not None
            and (event.now - state.last_input).total_seconds() >= rules.idle_timeout):
        return State(lang=state.lang), []  # nothing answered: no response
    return state, []
