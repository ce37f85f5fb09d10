"""The phone link in the flow: asked for at a receipt scan, shown as a QR, never waited for.

After a receipt scan the flow asks the hub for signed links to the phone questionnaire
(effects :class:`RequestLink`): one for the stage rated now, and one for the result stage when
that is still to come. When the first arrives (:class:`LinkReady`) the first question offers
"Rate later on my phone"; the thank-you after a kiosk rating shows the second as a QR, to rate
the result on the phone later or pass it on. When they do not arrive (hub or network down,
:class:`LinkFailed`, or no answer within ``LINK_WAIT``) neither is shown and the citizen rates
at the kiosk as before. Choosing the phone shows the QR full-screen and ends the
questionnaire without a response: the phone rating, when it comes, closes the dossier.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from kiosk import keys
from kiosk.events import (
    Effect,
    Event,
    Key,
    LinkFailed,
    LinkReady,
    PhoneDone,
    RateOnPhone,
    RequestLink,
    Scan,
    Submit,
)
from kiosk.path import overall_id, wire_answers
from kiosk.state import PhoneLink, Rules, State, back_to_idle

# The hub answers a link request in milliseconds when it is there; after 15 s it is not, and a
# QR appearing later would only surprise the citizen (or the next one): the request is dropped.
LINK_WAIT = timedelta(seconds=15)
# A thank-you that shows the QR stays at least this long (unless touched): long enough to take a
# phone out and point it; the plain thank-you keeps [kiosk] thank_you_seconds.
QR_THANKS = timedelta(seconds=20)
# The full-screen QR waits this long for "Xong": a phone camera needs a few seconds, a citizen
# who walks away must not leave the QR up for the next one.
PHONE_SCREEN = timedelta(seconds=60)


def ask_for_link(before: State, after: State, event: Scan, rules: Rules
                 ) -> tuple[State, list[Effect]]:
    """Ask for the links when ``event``'s receipt has just become the session's: one for the
    stage rated now, and, unless that is already the result, one for the result stage."""
    session = after.session
    fresh = session is not None and session.receipt is event.receipt and not (
        before.session is not None and before.session.receipt is event.receipt)
    if not (rules.phone_link and event.request and fresh and session is not None
            and session.receipt is not None):
        return after, []
    h = session.receipt.h
    after = replace(after, link=PhoneLink(event.request, asked_at=event.now))
    effects: list[Effect] = [RequestLink(event.request, h, session.stage)]
    if session.stage != "result" and event.result_request:
        after = replace(after, result_link=PhoneLink(event.result_request, asked_at=event.now))
        effects.append(RequestLink(event.result_request, h, "result"))
    return after, effects


def link_step(state: State, event: LinkReady | LinkFailed) -> tuple[State, list[Effect]]:
    """The hub's answer: kept when it answers one of this citizen's requests, else ignored."""
    for result, link in ((False, state.link), (True, state.result_link)):
        if link is None or link.request != event.request or link.ready:
            continue
        if isinstance(event, LinkFailed) or event.expires <= event.now:
            return _with(state, result, None), []
        ready = replace(link, url=event.url, expires=event.expires)
        return hold_thanks(_with(state, result, ready)), []
    return state, []


def _with(state: State, result: bool, link: PhoneLink | None) -> State:
    return replace(state, result_link=link) if result else replace(state, link=link)


def thanks_link(state: State) -> str:
    """The URL the thank-you shows as a QR code: the result stage's link, once it is there."""
    link = state.result_link
    return link.url if state.screen == "thanks" and link is not None else ""


def hold_thanks(state: State) -> State:
    """A thank-you showing a code stays up at least ``QR_THANKS`` from when it is shown."""
    if not thanks_link(state) or state.until is None or state.last_input is None:
        return state
    return replace(state, until=max(state.until, state.last_input + QR_THANKS))


def after_rating(state: State, effects: list[Effect]) -> State:
    """The thank-you after a rating (the Submit among ``effects``): the result stage's link is
    offered only when that stage is still to come."""
    rated = next((e.draft.stage for e in effects if isinstance(e, Submit)), None)
    if state.screen != "thanks":
        return state
    if rated == "result":
        return replace(state, result_link=None)
    return hold_thanks(state)


def offers_phone(state: State, rules: Rules) -> bool:
    """Whether the question screen shows "Rate later on my phone": the first question, nothing
    answered yet (nothing is lost by leaving) and the link already there."""
    session = state.session
    return (state.screen == "question" and session is not None and state.link is not None
            and state.link.ready and session.current == overall_id(rules.questionnaire)
            and not wire_answers(session, rules))


def rate_on_phone(state: State, event: RateOnPhone, rules: Rules) -> tuple[State, list[Effect]]:
    if not offers_phone(state, rules):
        return state, []
    return replace(state, screen="phone", session=None, last_input=event.now,
                   until=event.now + PHONE_SCREEN, banner="", banner_until=None), []


def phone_step(state: State, event: Event, rules: Rules) -> tuple[State, list[Effect]]:
    """The full-screen QR: "Xong" (Enter, Backspace, Esc) ends it; other touches do nothing,
    so a phone held against the screen cannot close it."""
    done = isinstance(event, PhoneDone) or (
        isinstance(event, Key) and event.name in (keys.ENTER, keys.BACK, keys.ESCAPE))
    if done:
        return back_to_idle(state, rules), []
    return state, []


def tick(state: State, event: Event, rules: Rules) -> State:
    """Time-outs: requests the hub never answered, the full-screen QR nobody closed."""
    now = event.now
    for result, link in ((False, state.link), (True, state.result_link)):
        if link is not None and not link.ready and now - link.asked_at >= LINK_WAIT:
            state = _with(state, result, None)
    if state.screen == "phone" and state.until is not None and now >= state.until:
        return back_to_idle(state, rules)
    return state
