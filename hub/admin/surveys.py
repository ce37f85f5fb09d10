"""Survey files (paper, phone, postal, web …) checked as a whole before anything is imported.

One row per respondent: ``office``, ``date``, ``channel``, an optional ``respondent`` reference,
and one column per rating question (by question id) on the 5-level scale: 1–5 or the scale's
Vietnamese (or English) labels, blank for a skipped question. CSV (UTF-8) and XLSX are read;
every problem is listed as ``row N, column X: problem`` and a file with any problem imports
nothing. Pure apart from reading the bytes it is handed: see docs/survey-import.md.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from hailong.questionnaire import Questionnaire
from hailong.settings import check_id
from hub.store import integrity
from hub.store.surveys import Respondent, SurveyFile
from hub.store.tables import KIOSK_CHANNEL

# Channels every hub accepts; [hub] survey_channels may declare more.
STANDARD_CHANNELS = ("paper", "phone", "postal", "web")
# A province's yearly survey is a few thousand rows: a bigger upload is a mistake.
MAX_SURVEY_BYTES = 10 * 1024 * 1024
MAX_SURVEY_ROWS = 100_000
# A file full of mistakes lists this many of them; fixing those shows the next ones.
MAX_PROBLEMS = 200
# The header may sit below a title block: it is looked for in the first rows only.
HEADER_SEARCH_ROWS = 10
RESPONDENT_MAX = 64

# Header names (compared after NFC and case folding) of the fixed columns.
COLUMN_NAMES = {
    "office": ("office", "cơ quan", "đơn vị"),
    "date": ("date", "day", "ngày"),
    "channel": ("channel", "kênh"),
    "respondent": ("respondent", "người trả lời", "mã phiếu"),
}
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True, slots=True)
class Problem:
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return f"file: {self.message}"
        if self.column is None:
            return f"row {self.row}: {self.message}"
        return f"row {self.row}, column {self.column}: {self.message}"


class SurveyRejected(ValueError):
    """The file has problems; nothing of it is imported."""

    def __init__(self, problems: Sequence[Problem], total: int | None = None) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = list(problems)
        # Every problem found, also those past MAX_PROBLEMS that are not listed.
        self.total = len(self.problems) if total is None else total


@dataclass(frozen=True)
class SurveyRules:
    """What a file is checked against: the hub's offices (id → kind), each kind's questionnaire,
    the declared channels, the last day a survey may be dated, and the import's channel."""

    offices: Mapping[str, str]
    questionnaires: Mapping[str, Questionnaire]
    channels: Sequence[str] = STANDARD_CHANNELS
    latest: date = date.max
    channel: str | None = None
    scale_labels: Mapping[int, Sequence[str]] = field(default_factory=dict)


def normalize(text: str) -> str:
    """Cells compare NFC-normalized, case-folded, with inner spaces collapsed."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- reading cells -------------------------------------------------------------------------
Table = list[tuple[int, list[str]]]  # (row number as the spreadsheet shows it, cells)
Merged = list[tuple[int, int, str]]  # merged ranges: last row, first column index, "D1:E1"


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def is_xlsx(data: bytes, file_name: str) -> bool:
    return data.startswith(b"PK\x03\x04") or file_name.lower().endswith(".xlsx")


def read_csv(data: bytes) -> tuple[Table, list[Problem], Merged]:
    if b"\x00" in data:  # UTF-16 (Excel's "Unicode text") or not text at all
        row = data[:data.index(b"\x00")].count(b"\n") + 1
        return [], [Problem(row, None, "the file is not UTF-8 text (it holds NUL bytes, as UTF-16 "
                                       "does): save it as “CSV UTF-8” and import it again")], []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data[:exc.start].count(b"\n") + 1
        return [], [Problem(row, None, f"the file is not UTF-8 text (byte 0x{data[exc.start]:02X} "
                                       "cannot be read): save it as “CSV UTF-8” and import it "
                                       "again")], []
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    table: Table = []
    start = 1
    try:
        for cells in reader:
            table.append((start, [c.strip() for c in cells]))
            start = reader.line_num + 1
    except csv.Error as exc:
        return table, [Problem(start, None, f"the CSV cannot be read: {exc}")], []
    return table, [], []


def read_xlsx(data: bytes) -> tuple[Table, list[Problem], Merged]:
    from openpyxl import load_workbook  # only for XLSX files

    try:
        book = load_workbook(io.BytesIO(data), data_only=True)
        formulas = load_workbook(io.BytesIO(data), data_only=False).worksheets[0]
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        return [], [Problem(None, None, f"the XLSX file cannot be read ({type(exc).__name__}): "
                                        "save it again from the spreadsheet program")], []
    sheet = book.worksheets[0]
    merged = [(r.max_row, r.min_col - 1, r.coord) for r in
              sorted(sheet.merged_cells.ranges, key=lambda r: (r.min_row, r.min_col))]
    table: Table = [(number, [_cell_text(v) for v in values]) for number, values in
                    enumerate(sheet.iter_rows(values_only=True), start=1)]
    # A formula's result is only in the file when a spreadsheet program computed and saved it;
    # one written by a script has none and would read as a blank answer.
    problems = [Problem(cell.row, cell.column_letter, "a formula without a saved value")
                for row in formulas.iter_rows() for cell in row
                if cell.data_type == "f" and sheet.cell(cell.row, cell.column).value is None]
    return table, problems, merged


# -- checking ------------------------------------------------------------------------------
def _find_header(table: Table) -> tuple[int, dict[str, int]] | None:
    """The header's position in the table and the columns of office, date, channel, respondent."""
    wanted = {name: {normalize(a) for a in aliases} for name, aliases in COLUMN_NAMES.items()}
    for position, (_number, cells) in enumerate(table[:HEADER_SEARCH_ROWS]):
        names = [normalize(c) for c in cells]
        if any(n in wanted["office"] for n in names) and any(n in wanted["date"] for n in names):
            fixed: dict[str, int] = {}
            for index, name in enumerate(names):
                for key, aliases in wanted.items():
                    if name in aliases:
                        fixed.setdefault(key, index)
            return position, fixed
    return None


def _date(text: str) -> date | None:
    try:
        if _ISO.match(text):
            return date.fromisoformat(text)
        found = _DMY.match(text)
        if found:
            return date(int(found[3]), int(found[2]), int(found[1]))
    except ValueError:
        return None
    return None


def _answer_values(rules: SurveyRules) -> dict[str, int]:
    values = {str(level): level for level in range(1, 6)}
    for level, labels in rules.scale_labels.items():
        for label in labels:
            values[normalize(label)] = level
    return values


def parse_survey(data: bytes, file_name: str, rules: SurveyRules) -> SurveyFile:
    """The file's respondents, or :class:`SurveyRejected` with every problem found."""
    if len(data) > MAX_SURVEY_BYTES:
        raise SurveyRejected([Problem(None, None, f"the file is over {MAX_SURVEY_BYTES} bytes")])
    table, problems, merged = read_xlsx(data) if is_xlsx(data, file_name) else read_csv(data)
    if problems and not table:
        raise SurveyRejected(problems)
    found = _find_header(table)
    if found is None:
        first = table[0][0] if table else 1
        raise SurveyRejected([*problems, Problem(first, None, "no header row naming the columns "
                                                 "office and date (see docs/survey-import.md)")])
    position, fixed = found
    header_row, header = table[position]
    names = [c.strip() for c in header]
    # A merged title above the header is fine; merged cells in or below it hide columns/values.
    for last_row, column, coord in merged:
        if last_row >= header_row:
            problems.append(Problem(int(coord.split(":")[0].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")),
                                    column_letter(column), f"merged cells {coord}: unmerge them "
                                    "so that every column has its own header and every cell "
                                    "its own value"))

    def label(index: int) -> str:
        return names[index] if index < len(names) and names[index] else column_letter(index)

    known = {q.id: q for qn in rules.questionnaires.values() for q in qn.questions}
    question_columns: dict[int, str] = {}
    seen: dict[str, int] = {}
    for index, name in enumerate(names):
        key = normalize(name)
        if not key or index in fixed.values():
            continue
        if key in seen:
            problems.append(Problem(header_row, label(index), f"the column {name!r} appears "
                                    f"twice (also column {column_letter(seen[key])})"))
            continue
        seen[key] = index
        question = known.get(key)
        if integrity.is_sensitive(key, {key} if question is not None and question.sensitive
                                  else ()):
            problems.append(Problem(header_row, label(index), f"{name!r} is an integrity "
                                    "question (harassment, payments outside the rules): a survey "
                                    "row keeps its respondent reference and could tie the answer "
                                    "to a person, so these answers are not imported; remove the "
                                    "column (docs/survey-import.md)"))
        elif question is None:
            listed = ", ".join(sorted(q.id for q in known.values() if q.is_rating))
            problems.append(Problem(header_row, label(index), f"unknown question {name!r}: "
                                    f"a column is office, date, channel, respondent or a rating "
                                    f"question id ({listed})"))
        elif not question.is_rating:
            problems.append(Problem(header_row, label(index), f"{question.id!r} is not a rating "
                                    "question: only answers on the 5-level scale can be imported"))
        else:
            question_columns[index] = question.id
    if "channel" not in fixed and rules.channel is None:
        problems.append(Problem(header_row, None, "no channel column: add one, or import the "
                                "file for one channel (--channel phone)"))
    answers_of = _answer_values(rules)
    channels = list(rules.channels)
    respondents: list[Respondent] = []
    references: dict[tuple[str, str, str], int] = {}
    dropped = 0  # problems past MAX_PROBLEMS are counted, not kept: a junk file stays small
    for number, cells in table[position + 1:]:
        if len(problems) > MAX_PROBLEMS:
            dropped += len(problems) - MAX_PROBLEMS
            del problems[MAX_PROBLEMS:]
        if not any(cells):
            continue
        if len(respondents) >= MAX_SURVEY_ROWS:
            problems.append(Problem(number, None, f"more than {MAX_SURVEY_ROWS} respondents: "
                                    "split the file"))
            break

        def cell(index: int | None, cells: list[str] = cells) -> str:
            return cells[index].strip() if index is not None and index < len(cells) else ""

        for index in range(len(cells)):
            if cells[index] and (index >= len(names) or not names[index]):
                problems.append(Problem(number, column_letter(index), "a value in a column "
                                        "with no header"))
        row_problems: list[Problem] = []
        office = cell(fixed.get("office"))
        kind = rules.offices.get(office)
        if not office:
            row_problems.append(Problem(number, label(fixed["office"]), "no office"))
        elif kind is None:
            try:
                check_id(office)
                message = f"no office {office!r} in the roster"
            except ValueError:
                message = f"{office!r} is not an office id"
            row_problems.append(Problem(number, label(fixed["office"]), message))
        raw_day = cell(fixed.get("date"))
        day = _date(raw_day)
        if day is None:
            row_problems.append(Problem(number, label(fixed["date"]), f"{raw_day!r} is not a date "
                                        "(YYYY-MM-DD or DD/MM/YYYY)" if raw_day else "no date"))
        elif day > rules.latest:
            row_problems.append(Problem(number, label(fixed["date"]),
                                        f"{day.isoformat()} is in the future"))
        channel = normalize(cell(fixed.get("channel"))) or (rules.channel or "")
        channel_column = label(fixed["channel"]) if "channel" in fixed else "channel"
        if rules.channel is not None and channel != rules.channel:
            row_problems.append(Problem(number, channel_column, f"the row says {channel!r} but "
                                        f"the file is imported for {rules.channel!r}"))
        elif channel == KIOSK_CHANNEL:
            row_problems.append(Problem(number, channel_column, "kiosk ratings come only from "
                                        "kiosks: name the survey's channel (paper, phone …)"))
        elif not channel and "channel" in fixed:
            row_problems.append(Problem(number, channel_column, "no channel"))
        elif channel and channel not in channels:
            row_problems.append(Problem(number, channel_column, f"{channel!r} is not a declared "
                                        f"channel ({', '.join(channels)}; more in [hub] "
                                        "survey_channels)"))
        reference = cell(fixed.get("respondent")) or None
        if reference is not None and len(reference) > RESPONDENT_MAX:
            row_problems.append(Problem(number, label(fixed["respondent"]),
                                        f"longer than {RESPONDENT_MAX} characters"))
        elif reference is not None:
            earlier = references.setdefault((office, channel, reference), number)
            if earlier != number:
                row_problems.append(Problem(number, label(fixed["respondent"]),
                                            f"respondent {reference!r} already answered in "
                                            f"row {earlier}"))
        questionnaire = rules.questionnaires.get(kind) if kind is not None else None
        if kind is not None and questionnaire is None:
            row_problems.append(Problem(number, label(fixed["office"]), f"no questionnaire for "
                                        f"{kind} offices is installed on the hub"))
        answers: dict[str, int] = {}
        for index, question_id in question_columns.items():
            text = cell(index)
            if not text:
                continue
            key = normalize(text)
            item = questionnaire.question(question_id) if questionnaire is not None else None
            if questionnaire is not None and (item is None or not item.is_rating):
                row_problems.append(Problem(number, label(index), f"the questionnaire of {kind} "
                                            f"offices ({questionnaire.ref}) has no rating "
                                            f"question {question_id!r}: leave it blank"))
                continue
            if item is not None and item.not_yet is not None and key in (
                    normalize(item.not_yet.vi), normalize(item.not_yet.en)):
                continue  # "not received yet" counts as skipped, as on the kiosk
            value = answers_of.get(key)
            if value is None:
                row_problems.append(Problem(number, label(index), f"{text!r} is not an answer of "
                                            "the 5-level scale (1–5 or its labels, blank when "
                                            "skipped)"))
                continue
            answers[question_id] = value
        if not row_problems and not answers:
            row_problems.append(Problem(number, None, "every question is blank: a respondent "
                                        "answers at least one"))
        if row_problems:
            problems.extend(row_problems)
            continue
        assert day is not None and questionnaire is not None
        respondents.append(Respondent(number, office, day, channel, reference, questionnaire.ref,
                                      answers))
    if not problems and not respondents:
        problems.append(Problem(header_row, None, "no respondent below the header"))
    if problems:
        total = len(problems) + dropped
        shown = sorted(problems, key=lambda p: p.row or 0)
        if total > MAX_PROBLEMS:
            more = Problem(None, None, f"and {total - MAX_PROBLEMS} more problems")
            shown = [*shown[:MAX_PROBLEMS], more]
        raise SurveyRejected(shown, total)
    return SurveyFile(file_name, file_digest(data), tuple(respondents))
