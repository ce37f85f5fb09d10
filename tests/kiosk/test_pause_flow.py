"""The paused kiosk as pure flow: a store that failed shows the pause, never the thank-you."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hailong.questionnaire import load_catalog
from kiosk import flow
from kiosk.flow import Key, Rate, Scan, Start, Stored, StoreFailed, Submit, Tick, Touch
from kiosk.receipt import Receipt

T0 = datetime(2026, 12, 3, 9, 0, tzinfo=timezone(timedelta(hours=7)))
RULES = flow.Rules(questionnaire=load_catalog()["sipas@2"])
RETRY = flow.STORE_RETRY.total_seconds()


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def run(events: list[flow.Event], state: flow.State | None = None
        ) -> tuple[flow.State, list[flow.Effect]]:
    state = state or flow.initial_state(RULES)
    effects: list[flow.Effect] = []
    for event in events:
        state, produced = flow.step(state, event, RULES)
        effects += produced
    return state, effects


def failed_store() -> tuple[flow.State, Submit]:
    """A citizen rates 1 and presses Send; the app reports that the store failed (disk full)."""
    state, effects = run([Start(now=at(0)), Rate(1, now=at(1)), Key("send", now=at(2))])
    [submit] = [e for e in effects if isinstance(e, Submit)]
    state, more = run([StoreFailed(submit.draft, "full", now=at(2))], state)
    assert more == []
    return state, submit


def test_a_failed_store_pauses_instead_of_thanking_and_keeps_the_response() -> None:
    state, submit = failed_store()
    assert state.screen == "paused" and state.session is None
    assert state.pending == submit.draft and state.storage == "full"


def test_while_paused_nothing_opens_a_questionnaire() -> None:
    state, _ = failed_store()
    receipt = Receipt("b" * 64, "H21.65", "2026-12-03")
    paused, effects = run([Touch(now=at(3)), Key("enter", now=at(3.5)), Start(now=at(4)),
                           Scan("receipt", receipt, now=at(4.5)), Start(trigger="officer", now=at(5)),
                           Key("5", now=at(5.5))], state)
    assert effects == [] and paused.screen == "paused" and paused.session is None
    assert paused.pending == state.pending


def test_the_pending_response_is_retried_every_store_retry_and_thanked_once_stored() -> None:
    state, submit = failed_store()
    state, effects = run([Tick(now=at(2 + RETRY - 0.1))], state)
    assert effects == []
    state, effects = run([Tick(now=at(2 + RETRY))], state)
    assert effects == [Submit(submit.draft)]
    state, effects = run([Tick(now=at(2 + RETRY + 1))], state)
    assert effects == []  # the next try waits its turn
    state, _ = run([StoreFailed(submit.draft, "full", now=at(2 + RETRY))], state)
    assert state.screen == "paused" and state.pending == submit.draft
    state, effects = run([Tick(now=at(2 + 2 * RETRY))], state)
    assert effects == [Submit(submit.draft)]
    state, _ = run([Stored(now=at(2 + 2 * RETRY))], state)
    assert state.screen == "thanks" and state.pending is None and state.storage is None
    assert state.complaint  # rated 1: the thank-you shows the complaint channel, as it would have
    state, _ = run([Tick(now=at(2 + 2 * RETRY + RULES.thank_you_seconds))], state)
    assert state.screen == "idle"
    state, _ = run([Start(now=at(60))], state)
    assert state.screen == "question"  # resumed by itself


def test_a_store_that_went_through_changes_nothing() -> None:
    state, effects = run([Start(now=at(0)), Rate(5, now=at(1)), Key("send", now=at(2))])
    assert state.screen == "thanks" and len([e for e in effects if isinstance(e, Submit)]) == 1
    assert run([Stored(now=at(2))], state) == (state, [])
