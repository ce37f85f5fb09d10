"""What the pages show, computed from the scores documents: pure functions, no I/O.

The live page reads today's scores per question and one document per day for the chart, plus
today's counter and officer breakdowns (:func:`cell_rows`), from the API's documents.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from hailong.questionnaire import Questionnaire
from hub.i18n import Lang
from hub.scores.kinds import questionnaires_by_kind
from hub.scores.reports import cell_rows as report_rows
from hub.web.charts import Band, DayPoint, band

OVERALL = "overall"
DEFAULT_KIND = "admin"  # offices of a kind without a questionnaire read as the SIPAS ones


@dataclass(frozen=True, slots=True)
class QuestionLabel:
    factor: str | None
    factor_text: dict[str, str]
    text: dict[str, str]


class QuestionLabels:
    """Wording of each question id by office kind: a hospital office's ``overall`` and factors
    read as the hospital questionnaire words them, an admin office's as SIPAS does."""

    def __init__(self, questionnaires: Iterable[Questionnaire]) -> None:
        every = list(questionnaires)
        own = questionnaires_by_kind(every)
        # The default SIPAS questionnaire's wording wins over other files using the same ids.
        fallback = sorted(every, key=lambda q: (q.id != "sipas", q.id, q.version))
        self._labels: dict[str, dict[str, QuestionLabel]] = {}
        for kind in {*own, DEFAULT_KIND}:
            mine = [own[kind]] if kind in own else []
            same = [q for q in fallback if q.kind == kind and q not in mine]
            self._labels[kind] = self._collect([*mine, *same, *fallback])

    @staticmethod
    def _collect(ordered: Iterable[Questionnaire]) -> dict[str, QuestionLabel]:
        labels: dict[str, QuestionLabel] = {}
        for questionnaire in ordered:
            for question in questionnaire.questions:
                if not question.is_rating or question.id in labels:
                    continue
                factor_text = questionnaire.factors.get(question.factor or "")
                labels[question.id] = QuestionLabel(
                    question.factor,
                    {"vi": factor_text.vi, "en": factor_text.en} if factor_text else {},
                    {"vi": question.text.vi, "en": question.text.en})
        return labels

    def get(self, question: str, kind: str = "admin") -> QuestionLabel | None:
        labels = self._labels.get(kind) or self._labels[DEFAULT_KIND]
        return labels.get(question)


@dataclass(frozen=True, slots=True)
class QuestionRow:
    id: str
    factor: str | None
    heading: str
    text: str
    n: int
    satisfied: float | None
    ci: tuple[float, float] | None
    mean: float | None
    dist: tuple[int, ...]
    band: Band
    too_few: bool


@dataclass(frozen=True, slots=True)
class LiveView:
    office: str
    day: date
    responses: int
    overall: QuestionRow | None
    questions: tuple[QuestionRow, ...]
    days: tuple[DayPoint, ...]
    min_n: int
    # The SIPAS index (mean of the five factors) of the same day, beside the overall question.
    index: Mapping[str, Any] | None = None


def _ci(value: Any) -> tuple[float, float] | None:
    return (float(value[0]), float(value[1])) if value else None


def question_heading(question: str, labels: QuestionLabels, lang: Lang,
                     headings: Mapping[str, str], kind: str = DEFAULT_KIND) -> str:
    """A question as a heading reads it: the overall question, or its factor's words."""
    label = labels.get(question, kind)
    if question == OVERALL:
        return headings["overall"]
    if label is not None and label.factor:
        heading = headings["factor"].format(factor=label.factor)
        return heading + (f": {label.factor_text[lang]}" if label.factor_text else "")
    return question


def question_row(question: str, score: Mapping[str, Any], labels: QuestionLabels, lang: Lang,
                 min_n: int, headings: Mapping[str, str], kind: str = DEFAULT_KIND
                 ) -> QuestionRow:
    label = labels.get(question, kind)
    n = int(score["n"])
    satisfied = score.get("satisfied")
    heading = question_heading(question, labels, lang, headings, kind)
    return QuestionRow(
        id=question, factor=label.factor if label else None, heading=heading,
        text=label.text[lang] if label else "", n=n, satisfied=satisfied,
        ci=_ci(score.get("satisfied_ci95")), mean=score.get("mean"),
        dist=tuple(int(c) for c in score.get("dist", (0, 0, 0, 0, 0))),
        band=band(satisfied, n, min_n), too_few=n < min_n)


def day_point(document: Mapping[str, Any]) -> DayPoint:
    overall = document["questions"].get(OVERALL)
    day = date.fromisoformat(document["from"])
    if overall is None:
        return DayPoint(day, 0, None, None)
    return DayPoint(day, int(overall["n"]), overall.get("satisfied"),
                    _ci(overall.get("satisfied_ci95")))


def live_view(today: Mapping[str, Any], history: Sequence[Mapping[str, Any]],
              labels: QuestionLabels, lang: Lang, min_n: int,
              headings: Mapping[str, str], kind: str = DEFAULT_KIND) -> LiveView:
    """The live page of one office from today's scores and one scores document per past day;
    questions are worded as the questionnaire of the office's ``kind`` words them."""
    rows = [question_row(q, s, labels, lang, min_n, headings, kind)
            for q, s in today["questions"].items()]
    overall = next((r for r in rows if r.id == OVERALL), None)
    return LiveView(office=str(today["office"]), day=date.fromisoformat(today["from"]),
                    responses=int(today["responses"]), overall=overall, questions=tuple(rows),
                    days=tuple(day_point(d) for d in history), min_n=min_n,
                    index=today.get("index"))


@dataclass(frozen=True, slots=True)
class CellRow:
    """One counter, officer or period of a breakdown, as a table row shows it."""

    key: str
    name: str
    responses: int | None
    n: int
    satisfied: float | None
    ci: tuple[float, float] | None
    band: Band
    too_few: bool
    withheld: bool


def cell_rows(document: Mapping[str, Any], min_n: int) -> tuple[CellRow, ...]:
    """The cells of a ``by=counter|officer|day|week|month`` document as the report's rows
    (:func:`hub.scores.reports.cell_rows`: each read by its overall question, or its largest),
    with their colour band; withheld cells (a head's small officer cells) carry no figure."""
    rows = []
    for row, cell in zip(report_rows(document), document["cells"], strict=True):
        n = int(row["n"] or 0)
        ci = (float(row["ci_low"]), float(row["ci_high"])) if row["ci_low"] is not None else None
        rows.append(CellRow(
            key=str(row["key"]), name=str(row["name"]), responses=row["responses"], n=n,
            satisfied=row["satisfied"], ci=ci, band=band(row["satisfied"], n, min_n),
            too_few=bool(row["too_few"]), withheld=bool(cell.get("withheld"))))
    return tuple(rows)
