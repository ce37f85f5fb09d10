"""The technician's screen in the flow: the corner hold, the PIN and the service screen's buttons."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from kiosk import keys
from kiosk.events import CheckPin, Effect, Event, Key, PinChecked, PinKey, Quit, ServiceAction
from kiosk.state import Rules, State, back_to_idle

# The service screen opens after a 3-second press on the top-left corner, then asks the PIN.
CORNER_HOLD = timedelta(seconds=3)
PIN_MAX_DIGITS = 12
# How many wrong PINs lock the screen, and for how long, is kiosk/pinlock.py's to decide (kept
# on disk); the flow shows the lock it is told of (PinChecked.locked_until).
# A technician reads the service screen at leisure, but it must not stay open for the next
# citizen: it closes after 2 minutes without a touch.
SERVICE_TIMEOUT = timedelta(minutes=2)


def pin_lock_message(state: State, now: datetime) -> str:
    if state.pin_locked_until is not None and now < state.pin_locked_until:
        return "pin.locked"
    return ""


def pin_screen(state: State, now: datetime) -> State:
    """The PIN screen the corner hold opens (already saying so when the PIN is locked)."""
    return replace(state, screen="pin", corner_since=None, pin="", last_input=now,
                   pin_message=pin_lock_message(state, now))


def service_step(state: State, event: Event, rules: Rules) -> tuple[State, list[Effect]]:
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
                return back_to_idle(state, rules), []
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
        return back_to_idle(state, rules), []
    if pin_lock_message(state, now):
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
