"""What a report is made of: typed columns, sections, the API's documents behind them, and the
share figures every section prints (hub/scores/reports.py builds reports from these).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from hub.scores.scores import PERIODS as PERIODS  # the report's periods: the breakdowns'

# The 2023 method's three aspects, in the report's order; headings "report.aspect.<key>".
ASPECTS = ("perceptions", "satisfaction", "needs")
OVERALL = "overall"
Translate = Callable[..., str]
# How a column's values read: ``day`` (YYYY-MM-DD), ``period`` (a day, week or month key) and
# ``moment`` (RFC 3339) are written as a person reads dates; the file keeps the API's value.
# ``window`` (an action's factor over a window of days: n, share, interval, too few) reads as
# one sentence for people; programs get its figures in columns of their own (``code``).
ColumnKind = Literal["text", "int", "share", "number", "flag", "day", "period", "moment",
                     "window"]


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str  # a catalogue key (hub/messages.toml)
    kind: ColumnKind = "text"
    # A catalogue prefix naming each value (``channel.`` + ``kiosk``); a value without its
    # key (a declared survey channel) reads as itself.
    names: str | None = None
    # An id for programs (a question or reason id beside its wording): in the CSV only, never
    # on the page or in the workbook people read.
    code: bool = False
    # For people only (the page, the workbook, the actions export): not in the CSV of the
    # report's tables, whose ``code`` columns hold the same figures as numbers.
    people: bool = False


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
    # The index document (docs/method.md): the SIPAS index, and a hospital's figures.
    index: dict[str, Any] = field(default_factory=dict)
    # The period's actions (hub/scores/action_documents.py ``period_actions``), each with its
    # ``problem_name`` and ``scores``.
    actions: list[dict[str, Any]] = field(default_factory=list)
    # The channel of every breakdown (the report is the kiosks'; surveys are side by side in
    # the channels section).
    channel: str = "kiosk"


@dataclass(frozen=True, slots=True)
class Report:
    inputs: ReportInputs
    sections: tuple[Section, ...]

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)


# -- shared by the sections -------------------------------------------------------------
SHARE_COLUMNS = (Column("n", "report.col.n", "int"),
                 Column("satisfied", "report.col.satisfied", "share"),
                 Column("ci_low", "report.col.ci_low", "share"),
                 Column("ci_high", "report.col.ci_high", "share"))
TOO_FEW = Column("too_few", "report.col.too_few", "flag")
CHANNEL = Column("channel", "report.col.channel", names="channel.")
FACTOR = Column("factor", "report.col.factor", names="report.factor.")


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


def worded(key: str, label: str) -> tuple[Column, Column, Column]:
    """A chosen thing's columns: its id (for programs), its wording and how often it was chosen."""
    return (Column(key, label, code=True), Column("text", "report.col.text"),
            Column("count", "report.col.count", "int"))
