"""What a screen shows: the flow's state plus what the app knows around it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hailong.questionnaire import Questionnaire
from kiosk import flow
from kiosk.i18n import t
from kiosk.results import MonthResults, idle_lines
from kiosk.settings import KioskSection, KioskSettings


@dataclass(frozen=True)
class Scene:
    """Everything a screen shows: the flow's state plus what the app knows around it."""

    state: flow.State
    rules: flow.Rules
    office_name: str
    counter: str
    officer_name: str = ""
    photo: str = ""
    scanner: bool = False
    speaker: bool = False
    complaint_url: str = ""
    complaint_hotline: str = ""
    service_rows: Sequence[tuple[str, str]] = field(default_factory=tuple)
    receipt_name: str = ""  # [kiosk] receipt_name: the province's Vietnamese term, or ""
    # [kiosk] show_results: last month's line and one action done (kiosk/results.py)
    results: tuple[str, ...] = ()

    def t(self, key: str, **values: object) -> str:
        """``key`` in the screen's language, the receipt named as ``[kiosk] receipt_name`` says
        (a Vietnamese term: the English catalogue keeps its own word)."""
        if self.receipt_name and self.state.lang == "vi":
            values.setdefault("receipt", self.receipt_name)
        return t(self.state.lang, key, **values)

    @property
    def questionnaire(self) -> Questionnaire:
        return self.rules.questionnaire


def officer_photo(section: KioskSection, officer: str | None) -> str:
    """The photo shown for ``officer``: <officer_photos>/<id>.png, .jpg or .jpeg, else
    [kiosk] officer_photo for the officer the settings name, else none ("")."""
    if officer and section.officer_photos:
        for suffix in (".png", ".jpg", ".jpeg"):
            candidate = Path(section.officer_photos) / f"{officer}{suffix}"
            if candidate.is_file():
                return str(candidate)
    if officer and officer == section.officer:
        return section.officer_photo
    return ""


def scene_of(state: flow.State, rules: flow.Rules, settings: KioskSettings, speaker: bool,
             service_rows: Sequence[tuple[str, str]], results: MonthResults | None) -> Scene:
    """The scene of ``state``: the settings' names, the officer's photo, the service screen's
    rows only on it, the office's results only on the idle screen and where shown."""
    section = settings.kiosk
    officer = state.officer
    names = section.officer_names()
    return Scene(
        state=state, rules=rules, office_name=section.office_name, counter=section.counter,
        officer_name=names.get(officer, officer) if officer else "",
        photo=officer_photo(section, officer), scanner=bool(settings.scanner.port),
        speaker=speaker, complaint_url=section.complaint_url,
        complaint_hotline=section.complaint_hotline, receipt_name=section.receipt_name,
        service_rows=service_rows if state.screen == "service" else (),
        results=idle_lines(results, state.lang)
        if section.show_results and state.screen == "idle" else ())
