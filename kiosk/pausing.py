"""The paused kiosk: a response the outbox could not store waits, is retried, and is thanked once stored.

A full disk (or a failing one) must never end in "thank you" for a rating that is not on disk.
The app reports a failed store as :class:`StoreFailed`; the flow then shows the calm "Tạm dừng
nhận đánh giá" screen, keeps the response in memory (``State.pending``), opens no questionnaire,
and asks the app every ``STORE_RETRY`` to store it again (a :class:`Submit` on a tick). Once a
try succeeds (:class:`Stored`) the thank-you shows, as it would have, and the kiosk returns to
idle by itself. A response kept in memory is lost if the kiosk is switched off while paused;
it was never thanked for, and the citizen saw the pause.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from kiosk.events import Effect, Event, Stored, StoreFailed, Submit, Tick
from kiosk.path import overall_id
from kiosk.state import Rules, State, back_to_idle

__all__ = ["STORE_RETRY", "paused_step", "store_failed", "stored"]

# A retry is one small SQLite transaction, cheap even when it fails; every 5 s the kiosk resumes
# within seconds of space returning, and a disk that stays full costs 12 tries a minute.
STORE_RETRY = timedelta(seconds=5)


def store_failed(state: State, event: StoreFailed, rules: Rules) -> tuple[State, list[Effect]]:
    """Pause: whatever was on screen gives way to the pause, the response waits in memory."""
    paused = back_to_idle(state, rules)
    return replace(paused, screen="paused", pending=event.draft, storage=event.problem,
                   retry_at=event.now + STORE_RETRY, last_input=event.now,
                   corner_since=None, waiting=None), []


def stored(state: State, event: Stored, rules: Rules) -> tuple[State, list[Effect]]:
    """A store went through: a paused kiosk thanks for the waiting response and resumes."""
    draft = state.pending
    if draft is None:
        return state, []
    overall = draft.answers.get(overall_id(rules.questionnaire))
    low = isinstance(overall, int) and overall <= rules.complaint_threshold
    return replace(state, screen="thanks", pending=None, storage=None, retry_at=None,
                   last_stored_at=event.now, complaint=low,
                   until=event.now + timedelta(seconds=rules.thank_you_seconds)), []


def paused_step(state: State, event: Event) -> tuple[State, list[Effect]]:
    """While paused only time matters: touches, keys and scans open nothing."""
    if not isinstance(event, Tick) or state.pending is None:
        return state, []
    if state.retry_at is not None and event.now < state.retry_at:
        return state, []
    return replace(state, retry_at=event.now + STORE_RETRY), [Submit(state.pending)]
