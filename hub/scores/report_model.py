"""What a report is made of: typed columns, sections, the API's documents behind them, and the
share figures every section prints (hub/scores/reports.py builds reports from these).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

ColumnKind = Literal["text", "int", "share", "number", "flag"]
# The 2023 method's three aspects, in the report's order; headings "report.aspect.<key>".
ASPECTS = ("perceptions", "satisfaction", "needs")
PERIODS = ("day", "week", "month")
OVERALL = "overall"
Translate = Callable[..., str]


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str  # a catalogue key (hub/messages.toml)
    kind: ColumnKind = "text"


@dataclass(slots=True)
class Section:
    key: str
    title: str  # a catalogue key
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)  # catalogue keys
    # Which of the method's three aspects (ASPECTS) the section belongs to; None for the
    # summary before them and the notes on the data after them.
    aspect: str | None = None
    # Values the notes' texts need besides min_n (e.g. the perceptions' denominator).
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ReportInputs:
    """The API's documents for one office and period."""

    office: Mapping[str, Any]
    first: date
    last: date
    period: str
    scores: dict[str, Any]
    questions: dict[str, Any]
    counters: dict[str, Any]
    officers: dict[str, Any]
    periods: dict[str, Any]
    reasons: dict[str, Any]
    flags: dict[str, Any]
    alerts: list[dict[str, Any]]
    factor_names: Mapping[str, Mapping[str, str]]
    aspects: dict[str, Any]
    channels: dict[str, Any]
    # Ratings per stage and the moves of dossiers rated at both (the stages document).
    stages: dict[str, Any] = field(default_factory=dict)
    lang: str = "vi"
    # The channel of every breakdown (the report is the kiosks'; surveys are side by side in
    # the channels section).
    channel: str = "kiosk"


@dataclass(frozen=True, slots=True)
class Report:
    inputs: ReportInputs
    sections: tuple[Section, ...]

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)


SHARE_COLUMNS = (Column("n", "report.col.n", "int"),
                 Column("satisfied", "report.col.satisfied", "share"),
                 Column("ci_low", "report.col.ci_low", "share"),
                 Column("ci_high", "report.col.ci_high", "share"))
TOO_FEW = Column("too_few", "report.col.too_few", "flag")
CHANNEL = Column("channel", "report.col.channel")


def share_values(score: Mapping[str, Any] | None) -> dict[str, Any]:
    """n, satisfied share and its interval of one score, as the API gives them."""
    if not score:
        return {"n": 0, "satisfied": None, "ci_low": None, "ci_high": None}
    ci = score.get("satisfied_ci95") or (None, None)
    return {"n": int(score["n"]), "satisfied": score.get("satisfied"), "ci_low": ci[0],
            "ci_high": ci[1]}


def with_channel(rows: list[dict[str, Any]], inputs: ReportInputs) -> list[dict[str, Any]]:
    """Rows of a breakdown whose figures depend on the channel, each saying which it is."""
    for row in rows:
        row["channel"] = inputs.channel
    return rows
