"""Reports as CSV files, one per section, and the helpers the workbook shares (how a cell reads,
sheet titles). Written from the sections of :func:`hub.scores.reports.build_report` (and the
province report's), so a file's numbers are the page's and the API's; the XLSX is
hub/web/report_xlsx.py's.

Two CSVs: the machine's (``lang=en``, and the API's JSON beside it): column keys, ids, ISO days,
shares as fractions; and the people's (Vietnamese): the columns' names, no ids, names
translated, days dd/mm/yyyy and moments dd/mm/yyyy HH:MM, shares as "83,5%".
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import date, tzinfo
from typing import Any

from hailong.spreadsheet import neutral_row
from hub.i18n import Texts, catalogue
from hub.scores.report_model import Column, Section, Translate
from hub.scores.reports import TRANSLATED

# Excel's limit on a sheet's title.
SHEET_TITLE = 31


def readable(row: Mapping[str, Any], column: Column, texts: Texts, zone: tzinfo | None) -> Any:
    """A cell as a person reads it, on the page and in the workbook: names translated, days as
    dd/mm/yyyy, moments as dd/mm/yyyy HH:MM in the office's zone; numbers stay numbers."""
    value = row.get(column.key)
    if column.kind == "window":
        return window_text(value, texts)
    if value is None or not isinstance(value, str):
        return cell_value(row, column, texts.t)
    if column.key in TRANSLATED:
        return texts.t(value)
    if column.names is not None:
        key = column.names + value
        return texts.t(key) if key in catalogue() else value
    if column.kind == "day":
        return texts.day(date.fromisoformat(value))
    if column.kind == "period":
        return texts.period(value)
    if column.kind == "moment":
        return texts.moment(value, zone)
    return value


def window_text(score: Mapping[str, Any] | None, texts: Texts) -> str:
    """An action's factor over one window as a sentence: "75% (60–88%; 40 lượt)", "chưa đủ
    lượt (2 lượt)", or "chưa đến hạn" (no window yet)."""
    if score is None:
        return texts.t("actions.reading.not_yet")
    n = texts.number(int(score["n"]))
    if score["too_few"]:
        return texts.t("actions.window_few", n=n)
    return texts.t("actions.window", share=texts.percent(score["satisfied"]),
                   interval=texts.interval(score["ci95"]), n=n)


def people_columns(section: Section) -> tuple[Column, ...]:
    """The columns people read: every one but the ids kept for programs (the CSV's)."""
    return tuple(c for c in section.columns if not c.code)


def cell_value(row: Mapping[str, Any], column: Column, t: Translate) -> Any:
    """A cell as a file holds it: shares as fractions (as in the API), flags as text."""
    value = row.get(column.key)
    if column.key in TRANSLATED and isinstance(value, str):
        return t(value)
    if column.kind == "flag":
        return t(f"report.{column.key}") if value else ""
    return value


def people_value(row: Mapping[str, Any], column: Column, texts: Texts,
                 zone: tzinfo | None) -> Any:
    """A cell of the people's CSV: as :func:`readable`, shares as the page writes them."""
    value = row.get(column.key)
    kind = row.get("kind", column.kind) if column.key == "value" else column.kind
    if column.key == "too_few" and value and not row.get("n"):  # none at all is not "too few"
        return texts.t("live.no_ratings_yet")
    if kind == "share" and isinstance(value, float | int) and not isinstance(value, bool):
        return minus(texts.percent(value, 1))
    if isinstance(value, float):
        return minus(texts.number(value, 2))
    return readable(row, column, texts, zone)


def minus(text: str) -> str:
    """A negative figure written as text with the minus sign (U+2212), as printed matter
    writes it: a leading hyphen would make a spreadsheet read the cell as a formula."""
    return "\u2212" + text[1:] if text.startswith("-") else text


def people_csv(section: Section, texts: Texts, zone: tzinfo | None = None) -> str:
    """A section as people read it: the columns' names, no ids (see the module's docstring)."""
    columns = people_columns(section)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(neutral_row(texts.t(c.label) for c in columns))
    for row in section.rows:
        writer.writerow(neutral_row("" if (v := people_value(row, c, texts, zone)) is None
                                    else v for c in columns))
    return out.getvalue()


def csv_for(section: Section, texts: Texts, zone: tzinfo | None = None) -> str:
    """The CSV of the page's language: the people's in Vietnamese, the machine's in English;
    a byte-order mark lets Excel open the UTF-8 file with its Vietnamese letters intact."""
    body = (people_csv(section, texts, zone) if texts.lang == "vi"
            else section_csv(section, texts.t))
    return "\ufeff" + body


def section_csv(section: Section, t: Translate) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    columns = [c for c in section.columns if not c.people]
    writer.writerow(neutral_row(c.key for c in columns))
    for row in section.rows:
        writer.writerow(neutral_row("" if (v := cell_value(row, c, t)) is None else v
                                    for c in columns))
    return out.getvalue()


def fit(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, cut between words (a single longer word is cut)."""
    if len(text) <= limit:
        return text
    cut = text[:limit + 1].rsplit(" ", 1)[0].rstrip(" -,")
    return cut if 0 < len(cut) <= limit else text[:limit]


def sheet_name(text: str, taken: set[str]) -> str:
    """An Excel sheet title: at most 31 characters cut between words, none of ``[]:*?/\\``,
    unique (a number added, the words before it shortened to make room)."""
    clean = fit("".join("-" if ch in "[]:*?/\\" else ch for ch in text), SHEET_TITLE)
    name, number = clean, 2
    while name in taken:
        suffix = f" {number}"
        name = fit(clean, SHEET_TITLE - len(suffix)) + suffix
        number += 1
    taken.add(name)
    return name


def sections_xlsx(sections: Sequence[Section], texts: Texts, title: str,
                  facts: Mapping[str, Any], zone: tzinfo | None = None) -> bytes:
    """A workbook of ``sections``, one sheet each; ``facts`` fill the notes' values."""
    t = texts.t
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    taken: set[str] = set()
    for section in sections:
        sheet = book.create_sheet(sheet_name(t(f"{section.title}.sheet"), taken))
        sheet.append(neutral_row([title]))
        sheet.append(neutral_row([f"{t(f'report.aspect.{section.aspect}')} — {t(section.title)}"
                                  if section.aspect else t(section.title)]))
        columns = people_columns(section)
        sheet.append(neutral_row(t(c.label) for c in columns))
        for cell in sheet[3]:
            cell.font = Font(bold=True)
        for row in section.rows:
            sheet.append(neutral_row(readable(row, c, texts, zone) for c in columns))
            for cell, column in zip(sheet[sheet.max_row], columns, strict=True):
                if column.kind == "share" or (row.get("kind") == "share" and column.key == "value"):
                    cell.number_format = "0.0%"
        for note in section.notes:
            sheet.append([])
            sheet.append(neutral_row([t(note, **facts, **section.facts)]))
        for index, column in enumerate(columns):
            sheet.column_dimensions[get_column_letter(index + 1)].width = (
                40 if column.kind == "text" else 14)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

