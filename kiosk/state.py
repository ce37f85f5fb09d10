"""The flow's state: the rules it follows, the citizen's session, and what the screen shows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from hailong.questionnaire import Questionnaire
from kiosk.draft import Draft
from kiosk.events import Stage, Trigger
from kiosk.receipt import Receipt

Screen = Literal["idle", "question", "thanks", "notice", "pin", "service", "paused", "phone"]
StageSetting = Literal["receive", "result", "any"]
# The pseudo-question of the screen "did you just file the dossier or collect its result?"
# (question ids start with a letter or digit, so it never meets a real one).
STAGE_SCREEN = "_stage"


@dataclass(frozen=True)
class Rules:
    """What the flow needs from the settings and the questionnaire."""

    questionnaire: Questionnaire
    idle_timeout: float = 20.0
    thank_you_seconds: float = 5.0
    min_interval: float = 5.0
    reasons_threshold: int = 3
    complaint_threshold: int = 2
    gating: bool = False
    language: str = "vi"
    service_enabled: bool = False
    # Where the kiosk stands: at the receiving counter, the result counter, or either.
    stage: StageSetting = "any"
    # The screen holds a group of questions at full touch size (1024×600 and larger, landscape).
    grouped: bool = False
    # Two taps closer than this (in pixels) are on one spot, for debouncing.
    debounce_radius: float = 60.0
    # Ask the hub for a phone link after each receipt scan ([kiosk] phone_link).
    phone_link: bool = True


@dataclass(frozen=True)
class PhoneLink:
    """The phone link asked for this citizen's receipt: pending until ``url`` is there."""

    request: str
    asked_at: datetime
    url: str = ""
    expires: datetime | None = None

    @property
    def ready(self) -> bool:
        return bool(self.url)


@dataclass(frozen=True)
class Session:
    """One citizen's questionnaire in progress."""

    trigger: Trigger
    started_at: datetime
    current: str
    receipt: Receipt | None = None
    officer: str | None = None
    # A rating 1..5, choices as a tuple, or 0 for a question's "not received yet" (not sent).
    answers: Mapping[str, int | tuple[str, ...]] = field(default_factory=dict)
    page: int = 0
    row: int = 0  # the keypad's highlighted question on a screen of several
    stage: Stage | None = None
    ask_stage: bool = False  # the stage screen is on this citizen's path


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
    # False from start-up until the app has opened the outbox (after drawing the idle screen):
    # no questionnaire opens, so no rating can be accepted before it can be stored. A start in
    # that moment shows "one moment" and is kept in ``waiting``, opening once the outbox is; so
    # is a corner hold ("service"): the PIN's lockout is kept in the outbox's database.
    outbox_open: bool = True
    waiting: Trigger | Literal["service"] | None = None
    # The outbox could not store a response ("paused": kiosk/pausing.py): the response waits
    # here, retried from ``retry_at``, and no questionnaire opens until it is on disk.
    pending: Draft | None = None
    storage: Literal["full", "error"] | None = None
    retry_at: datetime | None = None
    # This citizen's phone links, asked at the receipt scan: for the stage rated now (the first
    # question's button) and for the result stage (the thank-you's code); gone with the citizen.
    link: PhoneLink | None = None
    result_link: PhoneLink | None = None


def back_to_idle(state: State, rules: Rules, keep_lang: bool = False) -> State:
    return replace(state, screen="idle", session=None, until=None, notice="", complaint=False,
                   banner="", banner_until=None, pin="", pin_message="", scan_test="", link=None,
                   result_link=None,
                   lang=state.lang if keep_lang else rules.language)
