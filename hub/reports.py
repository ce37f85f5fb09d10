"""An office's report for a period: the API's documents turned into tables, CSV and XLSX.

``gather`` asks :class:`hub.documents.Documents` for exactly the documents the API serves
(scores, breakdowns, reasons, flags, alerts); ``build_report`` is a pure function of them into
sections, each a title, typed columns, rows and notes. The dashboard's period page, the printed
A4 report, the CSV and the XLSX are all written from these sections, so their numbers are the
API's by construction. Sections come from :data:`SECTIONS`, one builder each: a new dimension
(a channel, a grouping of questions) is one more builder, not a new report.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from hub.documents import Documents, withhold_small_officers
from hub.scores import headline_n

ColumnKind = Literal["text", "int", "share", "number", "flag"]
PERIODS = ("day", "week", "month")
OVERALL = "overall"
# Most alerts a report lists; an office with more in one period has a bigger problem than a table.
MAX_ALERTS = 1000
Translate = Callable[..., str]


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str  # a catalogue key (hub/web/messages.toml)
    kind: ColumnKind = "text"


@dataclass(slots=True)
class Section:
    key: str
    title: str  # a catalogue key
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)  # catalogue keys


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
    lang: str = "vi"


@dataclass(frozen=True, slots=True)
class Report:
    inputs: ReportInputs
    sections: tuple[Section, ...]

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)


def gather(documents: Documents, office: Mapping[str, Any], first: date, last: date,
           period: str = "day", lang: str = "vi", admin: bool = True) -> ReportInputs:
    """The documents of ``GET /api/v1/offices/{office}/…`` for this range, as the caller sees
    them (a head's officer table keeps only cells above the minimum n)."""
    office_id = str(office["id"])
    officers = documents.breakdown(office_id, first, last, "officer")
    if not admin:
        withhold_small_officers(officers)
    zone = documents.timezone_of(office_id)
    alerts = [a for a in documents.alerts(office_id, "all", MAX_ALERTS)["alerts"]
              if first <= datetime.fromisoformat(a["opened_at"]).astimezone(zone).date() <= last]
    names: dict[str, dict[str, str]] = {}
    for questionnaire in documents.catalog.values():
        for key, text in questionnaire.factors.items():
            names.setdefault(key, {"vi": text.vi, "en": text.en})
    return ReportInputs(
        office=office, first=first, last=last, period=period,
        scores=documents.scores(office_id, first, last),
        questions=documents.breakdown(office_id, first, last, "question"),
        counters=documents.breakdown(office_id, first, last, "counter"),
        officers=officers,
        periods=documents.breakdown(office_id, first, last, period),
        reasons=documents.reasons(office_id, first, last),
        flags=documents.flags(office_id, first, last),
        alerts=alerts, factor_names=names, lang=lang)


# -- sections ------------------------------------------------------------------------------
SHARE_COLUMNS = (Column("n", "report.col.n", "int"),
                 Column("satisfied", "report.col.satisfied", "share"),
                 Column("ci_low", "report.col.ci_low", "share"),
                 Column("ci_high", "report.col.ci_high", "share"))
TOO_FEW = Column("too_few", "report.col.too_few", "flag")


def share_values(score: Mapping[str, Any] | None) -> dict[str, Any]:
    """n, satisfied share and its interval of one score, as the API gives them."""
    if not score:
        return {"n": 0, "satisfied": None, "ci_low": None, "ci_high": None}
    ci = score.get("satisfied_ci95") or (None, None)
    return {"n": int(score["n"]), "satisfied": score.get("satisfied"), "ci_low": ci[0],
            "ci_high": ci[1]}


def headline(questions: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The score a cell is read by: its overall question, or its largest."""
    if OVERALL in questions:
        return questions[OVERALL]  # type: ignore[no-any-return]
    n = headline_n(questions)
    return next((q for q in questions.values() if int(q["n"]) == n), None)


def summary_section(inputs: ReportInputs) -> Section:
    scores = inputs.scores
    overall = share_values(scores["questions"].get(OVERALL))
    rate = scores.get("response_rate") or {}
    rows = [
        {"measure": "report.m.responses", "value": scores["responses"]},
        {"measure": "report.m.complete", "value": scores["complete"]},
        {"measure": "report.m.overall_n", "value": overall["n"]},
        {"measure": "report.m.satisfied", "value": overall["satisfied"], "kind": "share"},
        {"measure": "report.m.ci_low", "value": overall["ci_low"], "kind": "share"},
        {"measure": "report.m.ci_high", "value": overall["ci_high"], "kind": "share"},
        {"measure": "report.m.dossiers", "value": rate.get("dossiers")},
        {"measure": "report.m.response_rate", "value": rate.get("rate"), "kind": "share"},
        {"measure": "report.m.days_known", "value": rate.get("days_known", 0)},
        {"measure": "report.m.days", "value": (inputs.last - inputs.first).days + 1},
    ]
    notes = ["report.note.min_n"]
    if scores["questions"].get(OVERALL, {}).get("too_few", True):
        notes.append("report.note.overall_too_few")
    if not rate:
        notes.append("report.note.no_dossiers")
    return Section("summary", "report.s.summary",
                   (Column("measure", "report.col.measure"),
                    Column("value", "report.col.value", "number")), rows, notes)


def factor_section(inputs: ReportInputs) -> Section:
    rows = []
    overall: dict[str, Any] = next((c for c in inputs.questions["cells"] if c["key"] == OVERALL), {})
    for key, score in inputs.scores["factors"].items():
        # The overall "factor" is the overall question: its wording names it.
        name = ((overall.get("text") or {}).get(inputs.lang, "") if key == OVERALL
                else inputs.factor_names.get(key, {}).get(inputs.lang, ""))
        rows.append({"factor": key, "name": name, **share_values(score),
                     "items_mean": score.get("items_mean"),
                     "too_few": int(score["n"]) < inputs.scores["min_n"]})
    return Section("factors", "report.s.factors",
                   (Column("factor", "report.col.factor"), Column("name", "report.col.name"),
                    *SHARE_COLUMNS, Column("items_mean", "report.col.items_mean", "share"),
                    TOO_FEW), rows, ["report.note.items_mean"])


def item_section(inputs: ReportInputs) -> Section:
    rows = []
    for cell in inputs.questions["cells"]:
        if cell["type"] != "rating":
            continue
        text = (cell.get("text") or {}).get(inputs.lang, "")
        rows.append({"question": cell["key"], "factor": cell.get("factor") or "", "text": text,
                     **share_values(cell), "mean": cell.get("mean"), "too_few": cell["too_few"]})
    return Section("items", "report.s.items",
                   (Column("question", "report.col.question"),
                    Column("factor", "report.col.factor"), Column("text", "report.col.text"),
                    *SHARE_COLUMNS, Column("mean", "report.col.mean", "number"), TOO_FEW), rows)


def period_section(inputs: ReportInputs) -> Section:
    rows = [{"key": cell["key"], "from": cell["from"], "to": cell["to"],
             "responses": cell["responses"], **share_values(headline(cell["questions"])),
             "too_few": cell["too_few"]} for cell in inputs.periods["cells"]]
    return Section("periods", f"report.s.by_{inputs.period}",
                   (Column("key", f"report.col.{inputs.period}"),
                    Column("from", "report.col.from"), Column("to", "report.col.to"),
                    Column("responses", "report.col.responses", "int"), *SHARE_COLUMNS, TOO_FEW),
                   rows)


def cell_rows(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for cell in document["cells"]:
        row = {"key": cell["key"] if cell["key"] is not None else "—", "name": cell["name"],
               "responses": cell["responses"], **share_values(headline(cell["questions"])),
               "too_few": cell["too_few"]}
        if cell.get("withheld"):
            row["n"] = None
        rows.append(row)
    return rows


def counter_section(inputs: ReportInputs) -> Section:
    return Section("counters", "report.s.counters",
                   (Column("key", "report.col.counter"), Column("name", "report.col.name"),
                    Column("responses", "report.col.responses", "int"), *SHARE_COLUMNS, TOO_FEW),
                   cell_rows(inputs.counters))


def officer_section(inputs: ReportInputs) -> Section:
    notes = ["report.note.officers"]
    if any(cell.get("withheld") for cell in inputs.officers["cells"]):
        notes.append("report.note.withheld")
    return Section("officers", "report.s.officers",
                   (Column("key", "report.col.officer"), Column("name", "report.col.name"),
                    Column("responses", "report.col.responses", "int"), *SHARE_COLUMNS, TOO_FEW),
                   cell_rows(inputs.officers), notes)


def reason_section(inputs: ReportInputs) -> Section:
    rows = [{"reason": r["reason"], "text": (r.get("text") or {}).get(inputs.lang, ""),
             "count": r["count"], "share": r["share"], "sensitive": r["sensitive"]}
            for r in inputs.reasons["reasons"]]
    return Section("reasons", "report.s.reasons",
                   (Column("reason", "report.col.reason"), Column("text", "report.col.text"),
                    Column("count", "report.col.count", "int"),
                    Column("share", "report.col.share_low", "share"),
                    Column("sensitive", "report.col.sensitive", "flag")), rows,
                   ["report.note.reasons"])


def alert_section(inputs: ReportInputs) -> Section:
    rows = [{"id": a["id"], "counter": a["counter"], "opened_at": a["opened_at"],
             "n": a["n"], "low": a["low"], "share": a["share"], "state": a["state"],
             "note": a["note"]} for a in inputs.alerts]
    return Section("alerts", "report.s.alerts",
                   (Column("id", "report.col.id", "int"), Column("counter", "report.col.counter"),
                    Column("opened_at", "report.col.opened_at"), Column("n", "report.col.n", "int"),
                    Column("low", "report.col.low", "int"),
                    Column("share", "report.col.share_low_answers", "share"),
                    Column("state", "report.col.state"), Column("note", "report.col.note")),
                   rows, ["report.note.alerts"])


def flag_section(inputs: ReportInputs) -> Section:
    flags = inputs.flags
    rows = [
        {"flag": "report.flag.bursts", "count": len(flags["bursts"]),
         "responses": flags["in_bursts"], "meaning": "report.flag.bursts_meaning"},
        {"flag": "report.flag.no_transaction", "count": flags["no_transaction"],
         "responses": flags["no_transaction"], "meaning": "report.flag.no_transaction_meaning"},
        {"flag": "report.flag.clock_skew", "count": len(flags["clock_skew"]["kiosks"]),
         "responses": flags["clock_skew"]["responses"],
         "meaning": "report.flag.clock_skew_meaning"},
        {"flag": "report.flag.unknown_questions", "count": flags["unknown_questions"],
         "responses": flags["unknown_questions"],
         "meaning": "report.flag.unknown_questions_meaning"},
        {"flag": "report.flag.small_officers", "count": len(flags["small_officer_cells"]),
         "responses": None, "meaning": "report.flag.small_officers_meaning"},
    ]
    return Section("flags", "report.s.flags",
                   (Column("flag", "report.col.flag"), Column("count", "report.col.count", "int"),
                    Column("responses", "report.col.responses", "int"),
                    Column("meaning", "report.col.meaning")), rows, ["report.note.flags"])


# The report's sections, in order. Texts in the ``flag``, ``measure`` and ``meaning`` columns
# are catalogue keys, translated when written.
SECTIONS: tuple[Callable[[ReportInputs], Section], ...] = (
    summary_section, factor_section, item_section, period_section, counter_section,
    officer_section, reason_section, alert_section, flag_section)
TRANSLATED = ("measure", "flag", "meaning")


def build_report(inputs: ReportInputs,
                 sections: Sequence[Callable[[ReportInputs], Section]] = SECTIONS) -> Report:
    return Report(inputs, tuple(build(inputs) for build in sections))


# -- files ---------------------------------------------------------------------------------
def cell_value(row: Mapping[str, Any], column: Column, t: Translate) -> Any:
    """A cell as a file holds it: shares as fractions (as in the API), flags as text."""
    value = row.get(column.key)
    if column.key in TRANSLATED and isinstance(value, str):
        return t(value)
    if column.kind == "flag":
        return t(f"report.{column.key}") if value else ""
    return value


def section_csv(section: Section, t: Translate) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.key for c in section.columns])
    for row in section.rows:
        writer.writerow(["" if (v := cell_value(row, c, t)) is None else v
                         for c in section.columns])
    return out.getvalue()


def sheet_name(text: str, taken: set[str]) -> str:
    """An Excel sheet title: at most 31 characters, none of ``[]:*?/\\``, unique."""
    clean = "".join("-" if ch in "[]:*?/\\" else ch for ch in text)[:31]
    name, number = clean, 2
    while name in taken:
        name = f"{clean[:28]} {number}"
        number += 1
    taken.add(name)
    return name


def report_xlsx(report: Report, t: Translate, title: str) -> bytes:
    """One sheet per section: a header row of column names, then the API's numbers."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    taken: set[str] = set()
    for section in report.sections:
        sheet = book.create_sheet(sheet_name(t(f"{section.title}.sheet"), taken))
        sheet.append([title])
        sheet.append([t(section.title)])
        sheet.append([t(c.label) for c in section.columns])
        for cell in sheet[3]:
            cell.font = Font(bold=True)
        for row in section.rows:
            sheet.append([cell_value(row, c, t) for c in section.columns])
            for cell, column in zip(sheet[sheet.max_row], section.columns, strict=True):
                if column.kind == "share" or (row.get("kind") == "share" and column.key == "value"):
                    cell.number_format = "0.0%"
        for note in section.notes:
            sheet.append([])
            sheet.append([t(note, min_n=report.inputs.scores["min_n"])])
        for letter, column in zip("ABCDEFGHIJKL", section.columns, strict=False):
            sheet.column_dimensions[letter].width = 40 if column.kind == "text" else 14
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
