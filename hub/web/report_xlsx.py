"""Reports as XLSX in long format: one row per figure, with the office, the period's first and
last day as real Excel dates, the channel, the section and figure, the value, n and its 95 %
interval, so a reader filters or pivots one table. Office and province reports alike; every
cell passes through hailong/spreadsheet.py.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, tzinfo
from typing import Any

from hailong.spreadsheet import neutral_row
from hub.i18n import Texts, catalogue
from hub.scores.report_model import Column, Report, Section
from hub.web.report_files import people_columns, readable, sheet_name

# The long table's columns: (key, catalogue key of the header).
LONG_COLUMNS = (("office", "xlsx.col.office"), ("from", "report.col.from"),
                ("to", "report.col.to"), ("channel", "report.col.channel"),
                ("section", "xlsx.col.section"), ("figure", "xlsx.col.figure"),
                ("value", "report.col.value"), ("n", "report.col.n"),
                ("low", "report.col.ci_low"), ("high", "report.col.ci_high"),
                ("note", "xlsx.col.note"))
# A row's figure is the first of these columns its section has (its value), its n the first of
# N_KEYS; a section with none of VALUE_KEYS has no figure to give.
VALUE_KEYS = ("satisfied", "prevalence", "per_100", "share", "value", "count", "responses")
N_KEYS = ("n", "ratings", "answered", "responses")
DAY_FORMAT = "dd/mm/yyyy"
SHARE_FORMAT = "0.0%"


@dataclass(frozen=True, slots=True)
class LongRow:
    office: str
    first: date
    last: date
    channel: str
    section: str
    figure: str
    value: Any
    n: int | None = None
    low: float | None = None
    high: float | None = None
    note: str = ""
    share: bool = True  # the value (and interval) is a share, shown as a percentage

    def cells(self) -> list[Any]:
        return neutral_row([self.office, self.first, self.last, self.channel, self.section,
                            self.figure, self.value, self.n, self.low, self.high, self.note])


def channel_name(texts: Texts, channel: str) -> str:
    return readable({"channel": channel}, Column("channel", "", names="channel."), texts, None)


def _label(row: dict[str, Any], columns: Sequence[Column], texts: Texts,
           zone: tzinfo | None) -> str:
    parts = [readable(row, c, texts, zone) for c in columns]
    return " — ".join(str(p) for p in parts if p not in (None, ""))


def section_rows(report: Report, section: Section, texts: Texts, zone: tzinfo | None
                 ) -> list[LongRow]:
    """The figures of one office report section as long rows."""
    keys = [c.key for c in section.columns]
    value_key = next((k for k in VALUE_KEYS if k in keys), None)
    if value_key is None:
        return []
    n_key = next((k for k in N_KEYS if k in keys and k != value_key), None)
    labels = [c for c in people_columns(section)
              if c.kind in ("text", "period", "moment") and c.key not in ("channel", "note")]
    value_column = next(c for c in section.columns if c.key == value_key)
    inputs = report.inputs
    office = str(inputs.office.get("name") or inputs.office["id"])
    # the section's short name (the one its own sheet had), else its title
    short = f"{section.title}.sheet"
    title = texts.t(short if short in catalogue() else section.title)
    rows = []
    for row in section.rows:
        first = date.fromisoformat(row["from"]) if row.get("from") else inputs.first
        last = date.fromisoformat(row["to"]) if row.get("to") else inputs.last
        notes = [str(row["note"])] if row.get("note") else []  # a person's (an alert's)
        if row.get("too_few") and row.get("n"):
            notes.append(texts.t("report.too_few"))
        if row.get("differs"):
            notes.append(texts.t("report.differs"))
        value = row.get(value_key)
        rows.append(LongRow(
            office, first, last, channel_name(texts, str(row.get("channel") or inputs.channel)),
            title, _label(row, labels, texts, zone) or title,
            texts.t(value) if isinstance(value, str) and value_key == "value" else value,
            row.get(n_key) if n_key else None, row.get("ci_low"), row.get("ci_high"),
            "; ".join(notes),
            value_column.kind == "share" or row.get("kind") == "share"))
    return rows


def office_rows(report: Report, texts: Texts, zone: tzinfo | None) -> list[LongRow]:
    return [r for section in report.sections for r in section_rows(report, section, texts, zone)]


def long_xlsx(rows: Iterable[LongRow], notes: Iterable[str], texts: Texts, title: str
              ) -> bytes:
    """The figures' sheet (a header row, then one row per figure) and a sheet of notes (the
    report's title, then each note)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    t = texts.t
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    taken: set[str] = set()
    sheet.title = sheet_name(t("xlsx.sheet.figures"), taken)
    sheet.append(neutral_row(t(label) for _key, label in LONG_COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row.cells())
        cells = sheet[sheet.max_row]
        cells[1].number_format = cells[2].number_format = DAY_FORMAT
        if row.share:
            for index in (6, 8, 9):
                cells[index].number_format = SHARE_FORMAT
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    for letter, width in zip("ABCDEFGHIJK", (32, 12, 12, 16, 28, 48, 10, 8, 10, 10, 24),
                             strict=True):
        sheet.column_dimensions[letter].width = width
    side = book.create_sheet(sheet_name(t("xlsx.sheet.notes"), taken))
    side.append(neutral_row([title]))
    side["A1"].font = Font(bold=True)
    for note in notes:
        side.append(neutral_row([note]))
    side.column_dimensions["A"].width = 120
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def office_notes(report: Report, texts: Texts) -> list[str]:
    """Every section's notes, once each, headed by the section's title."""
    notes: list[str] = []
    min_n = report.inputs.scores["min_n"]
    for section in report.sections:
        for note in section.notes:
            text = f"{texts.t(section.title)}: {texts.t(note, min_n=min_n, **section.facts)}"
            if text not in notes:
                notes.append(text)
    return notes


def report_xlsx(report: Report, texts: Texts, title: str, zone: tzinfo | None = None) -> bytes:
    """The office report's workbook in long format."""
    return long_xlsx(office_rows(report, texts, zone), office_notes(report, texts), texts,
                     title)
