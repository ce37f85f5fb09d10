"""What a citizen gave, before the kiosk numbers and stores it: the flow's output, the outbox's input."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kiosk.receipt import Receipt

Answer = int | list[str]


@dataclass(frozen=True)
class Draft:
    answers: dict[str, Answer]
    trigger: str
    lang: str
    started_at: datetime
    submitted_at: datetime
    complete: bool
    receipt: Receipt | None = None
    officer: str | None = None
    counter: str | None = None
    stage: str | None = None  # "receive" or "result" when known
    extra: dict[str, Any] = field(default_factory=dict)
