"""What goes into the kiosk's flow (events: taps, keys, scans, ticks, each with its time) and
what comes out of it (effects the app performs: store, speak, check the PIN, ask the hub for a
phone link, quit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from kiosk.draft import Draft
from kiosk.receipt import Receipt

Trigger = Literal["tap", "scan", "officer"]
Stage = Literal["receive", "result"]


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
    # The question answered, on a screen of several (a touch on its row); None: the highlighted
    # row, or the screen's only question.
    question: str | None = None
    keyed: bool = False  # from the keypad: on a screen of several, the highlight moves on


@dataclass(frozen=True)
class Skip(_Event):
    """Skip, or "not received yet" / "not given any" (which count as not asked)."""

    question: str | None = None
    keyed: bool = False
    not_asked: bool = False  # the question's own "not received yet" answer


@dataclass(frozen=True)
class Choose(_Event):
    index: int  # 0-based, in the questionnaire's order of choices
    question: str | None = None
    keyed: bool = False


@dataclass(frozen=True)
class Send(_Event):
    """Send now ("Gửi đánh giá", key ``-``): store what was answered, complete, and thank."""


@dataclass(frozen=True)
class PickStage(_Event):
    """The citizen's answer to "did you just file the dossier or collect its result?"."""

    stage: Stage


@dataclass(frozen=True)
class Up(_Event):
    """The keypad's Backspace on a screen of several questions: the highlight goes up a row."""


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
    rated: frozenset[str] = frozenset()  # the stages at which this dossier was rated here
    # Fresh ids (uuid4) the app names for the phone links this scan may ask for (RequestLink):
    # drawn outside, so the flow stays pure; "" asks for none. ``request``: the stage rated now
    # (the first question's "Rate later on my phone"); ``result_request``: the result stage, for
    # the thank-you's code after a rating of the receiving stage.
    request: str = ""
    result_request: str = ""


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


@dataclass(frozen=True)
class OutboxOpened(_Event):
    """The app has opened the outbox: from now on a rating can be stored and a PIN checked."""

    pin_locked_until: datetime | None = None  # the lockout kept in the outbox (kiosk/pinlock.py)


@dataclass(frozen=True)
class StoreFailed(_Event):
    """The outbox could not store ``draft`` (its disk is full, or failing): no thank-you."""

    draft: Draft
    problem: Literal["full", "error"] = "full"


@dataclass(frozen=True, kw_only=True)
class Stored(_Event):
    """The last :class:`Submit` is on disk (a paused kiosk thanks and resumes)."""


@dataclass(frozen=True)
class LinkReady(_Event):
    """The hub signed the phone link asked for by ``request`` (kiosk/phonelink.py)."""

    request: str
    url: str
    expires: datetime


@dataclass(frozen=True)
class LinkFailed(_Event):
    """No phone link for ``request``: the hub refused it, or it could not be asked for."""

    request: str
    reason: str = ""


@dataclass(frozen=True)
class RateOnPhone(_Event):
    """The first question's "Rate later on my phone": the QR full-screen, nothing stored."""


@dataclass(frozen=True)
class PhoneDone(_Event):
    """"Xong" under the full-screen QR: back to the idle screen."""


Event = (Start | Rate | Skip | Choose | Continue | Back | SwitchLanguage | ReadAloud | NextPage
         | Touch | Key | Scan | CornerDown | CornerUp | PinKey | PinChecked | ServiceAction | Tick
         | Send | PickStage | Up | OutboxOpened | StoreFailed | Stored | LinkReady | LinkFailed
         | RateOnPhone | PhoneDone)


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


@dataclass(frozen=True)
class RequestLink:
    """Ask the hub for a signed phone link for this dossier (its keyed hash) and stage."""

    request: str
    h: str
    stage: Stage | None


Effect = Submit | Speak | CheckPin | Quit | RequestLink

