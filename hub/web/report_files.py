"""An office's report as files: one CSV per section, or one XLSX workbook with a sheet each.

Written from the sections of :func:`hub.scores.reports.build_report`, so a file's numbers are
the page's and the API's.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from hailong.spreadsheet import neutral_row
from hub.scores.report_model import Column, Report, Section, Translate
from hub.scores.reports import TRANSLATED


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
    writer.writerow(neutral_row(c.key for c in section.columns))
    for row in section.rows:
        writer.writerow(neutral_row("" if (v := cell_value(row, c, t)) is None else v
                                    for c in section.columns))
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
        sheet.append(neutral_row([title]))
        sheet.append(neutral_row([f"{t(f'report.aspect.{section.aspect}')} — {t(section.title)}"
                                  if section.aspect else t(section.title)]))
        sheet.append(neutral_row(t(c.label) for c in section.columns))
        for cell in sheet[3]:
            cell.font = Font(bold=True)
        for row in section.rows:
            sheet.append(neutral_row(cell_value(row, c, t) for c in section.columns))
            for cell, column in zip(sheet[sheet.max_row], section.columns, strict=True):
                if column.kind == "share" or (row.get("kind") == "share" and column.key == "value"):
                    cell.number_format = "0.0%"
        for note in section.notes:
            sheet.append([])
            sheet.append(neutral_row([t(note, min_n=report.inputs.scores["min_n"],
                                        **section.facts)]))
        for letter, column in zip("ABCDEFGHIJKL", section.columns, strict=False):
            sheet.column_dimensions[letter].width = 40 if column.kind == "text" else 14
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
