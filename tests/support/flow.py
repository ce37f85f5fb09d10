"""Driving the pure questionnaire flow: events at offsets from one instant, run in order."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from hailong.questionnaire import find_questionnaire
from kiosk import flow
from kiosk.flow import Key

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone(timedelta(hours=7)))
SIPAS3 = find_questionnaire("sipas")


def at(seconds: float) -> datetime:
    """The instant ``seconds`` after T0 (every event carries its own ``now``)."""
    return T0 + timedelta(seconds=seconds)


def play(events: list[flow.Event], ruleset: flow.Rules,
         state: flow.State | None = None) -> tuple[flow.State, list[flow.Effect]]:
    """The state after ``events`` (from the initial state unless given) and every effect."""
    state = state or flow.initial_state(ruleset)
    effects: list[flow.Effect] = []
    for event in events:
        state, produced = flow.step(state, event, ruleset)
        effects += produced
    return state, effects


def presses(names: list[str], start: float) -> list[flow.Event]:
    """Key presses half a second apart from ``start`` (the spec's bound for never being debounced)."""
    return [Key(name, now=at(start + 0.5 * i)) for i, name in enumerate(names)]


def sipas3_rules(**changes: object) -> flow.Rules:
    """The citizen flow of sipas@3: grouped screens, 5 s between two citizens' ratings."""
    base = flow.Rules(questionnaire=SIPAS3, grouped=True, min_interval=5)
    return replace(base, **changes)  # type: ignore[arg-type]
