"""What a screen shows: the flow's state plus what the app knows around it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from hailong.questionnaire import Questionnaire
from kiosk import flow


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

    @property
    def questionnaire(self) -> Questionnaire:
        return self.rules.questionnaire

