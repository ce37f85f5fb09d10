"""An office's report for a period as an official document: the figures box, the results in
sentences, a trend chart and the factors in the body, the long tables in an appendix.

A pure function of :class:`hub.scores.report_model.Report` (the API's documents) and the
``[report]`` settings, so each figure is the API's.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from hub.documents.model import Chart, OfficialDocument, Part, Table
from hub.documents.phrases import (
    channel_name,
    figure_text,
    header_fields,
    people_parts,
    period_text,
    score_text,
    share_text,
)
from hub.documents.settings import ReportSection
from hub.i18n import Texts
from hub.scores.method import FACTORS
from hub.scores.report_model import OVERALL, Report
from hub.scores.reports import headline

# Columns of the appendix's tables of shares, relative widths: name, counts, share, interval.
SHARE_WIDTHS = (2.7, 1.4, 0.6, 1.4, 2.0)


def office_document(report: Report, settings: ReportSection, texts: Texts) -> OfficialDocument:
    inputs = report.inputs
    name = str(inputs.office.get("name") or inputs.office["id"])
    min_n = int(inputs.scores["min_n"])
    results = Part(texts.t("doc.part.results"), tuple(result_sentences(report, texts, name)),
                   (factor_table(report, texts),), trend_chart(report, texts))
    return OfficialDocument(
        **header_fields(texts, settings, name),
        subject=texts.t("doc.subject.office", office=name,
                        period=period_text(texts, inputs.first, inputs.last)),
        figures_title=texts.t("doc.figures"), figures=figures(report, texts),
        parts=(results, *people_parts(texts)),
        appendix_title=texts.t("doc.appendix"),
        appendix=appendix(report, texts, min_n))


def figures(report: Report, texts: Texts) -> tuple[tuple[str, str], ...]:
    """The box of key figures: channel, period, ratings, the index, the overall question."""
    inputs = report.inputs
    index = inputs.index.get("index") or {}
    rate = inputs.scores.get("response_rate") or {}
    rows = [(texts.t("doc.f.channel"), texts.t(f"channel.{inputs.channel}")),
            (texts.t("doc.f.period"), period_text(texts, inputs.first, inputs.last)),
            (texts.t("doc.f.responses"), texts.number(int(inputs.scores["responses"]))),
            (texts.t("doc.f.index"), figure_text(texts, index.get("value"),
                                                 int(index.get("n") or 0), index.get("ci95"))),
            (texts.t("doc.f.overall"), score_text(texts, inputs.scores["questions"].get(OVERALL)))]
    if rate.get("rate") is not None:
        rows.append((texts.t("doc.f.rate"), share_text(texts, rate["rate"])))
    return tuple(rows)


def factor_name(report: Report, key: str, texts: Texts) -> str:
    names = report.inputs.factor_names.get(key) or {}
    return names.get(texts.lang) or texts.t(f"report.factor.{key}")


def result_sentences(report: Report, texts: Texts, office: str) -> list[str]:
    inputs = report.inputs
    min_n = int(inputs.scores["min_n"])
    responses = int(inputs.scores["responses"])
    said = [texts.t("doc.r.responses", office=office, count=texts.number(responses),
                    channel=channel_name(texts, inputs.channel),
                    period=period_text(texts, inputs.first, inputs.last))]
    if not responses:
        return said
    index = inputs.index.get("index") or {}
    if index.get("value") is not None:
        said.append(texts.t("doc.r.index", figure=figure_text(
            texts, index["value"], int(index["n"]), index.get("ci95"))))
    else:
        missing = ", ".join(factor_name(report, k, texts) for k in index.get("missing", []))
        said.append(texts.t("doc.r.no_index", factors=missing or "—"))
    said.append(texts.t("doc.r.overall",
                        figure=score_text(texts, inputs.scores["questions"].get(OVERALL))))
    lowest = lowest_factor(inputs.index.get("factors") or {})
    if lowest is not None:
        key, score = lowest
        said.append(texts.t("doc.r.lowest", factor=factor_name(report, key, texts),
                            figure=score_text(texts, score)))
    said.append(channel_sentence(inputs.channels, inputs.channel, texts))
    if int(index.get("n") or 0) < min_n:
        said.append(texts.t("doc.r.too_few", min_n=min_n))
    return said


def lowest_factor(factors: Mapping[str, Mapping[str, Any]]
                  ) -> tuple[str, Mapping[str, Any]] | None:
    """The factor with the lowest satisfied share among those answered (ties: the first)."""
    answered = [(k, f) for k, f in factors.items()
                if k in FACTORS and f.get("n") and f.get("satisfied") is not None]
    return min(answered, key=lambda item: item[1]["satisfied"]) if answered else None


def channel_sentence(document: Mapping[str, Any], baseline: str, texts: Texts) -> str:
    """The overall question at the kiosk against each survey channel, said once."""
    item = next((q for q in document.get("questions", []) if q["key"] == OVERALL), None)
    others = [c for c in document.get("channels", []) if c != baseline
              and item is not None and item["channels"][c]["n"]]
    if item is None or not others:
        return texts.t("doc.r.no_channels")
    base = item["channels"][baseline]
    parts = []
    for channel in others:
        entry = item["channels"][channel]
        verdict = item["differs"].get(channel)
        parts.append(texts.t(
            "doc.r.channel", channel=channel_name(texts, channel),
            share=share_text(texts, entry["satisfied"]), n=texts.number(entry["n"]),
            verdict=texts.t("doc.r.differs") if verdict else texts.t("doc.r.same")))
    return texts.t("doc.r.channels", base=channel_name(texts, baseline),
                   share=share_text(texts, base["satisfied"]), n=texts.number(base["n"]),
                   others="; ".join(parts))


def factor_table(report: Report, texts: Texts) -> Table:
    factors = report.inputs.index.get("factors") or {}
    rows = [share_row(factor_name(report, k, texts), factors.get(k), texts)
            for k in FACTORS]
    return share_table(texts.t("doc.t.factors"), texts.t("doc.col.factor"), rows, texts)


def share_row(name: str, score: Mapping[str, Any] | None, texts: Texts,
              count: int | None = None, min_n: int = 0) -> tuple[str, ...]:
    """name, (count,) n, share, interval; "chưa có lượt đánh giá" where nobody answered, a
    star on a share from fewer than ``min_n`` answers."""
    n = int((score or {}).get("n") or 0)
    counted = () if count is None else (texts.number(count),)
    if not n or (score or {}).get("satisfied") is None:
        return (name, *counted, texts.number(n), texts.t("doc.none"), "")
    ci = score.get("satisfied_ci95") if score else None
    share = share_text(texts, score["satisfied"]) + ("*" if n < min_n else "")  # type: ignore[index]
    interval = f"{share_text(texts, ci[0])}–{share_text(texts, ci[1])}" if ci else "—"
    return (name, *counted, texts.number(n), share, interval)


def share_table(title: str, first: str, rows: list[tuple[str, ...]], texts: Texts,
                counted: bool = False, note: str = "") -> Table:
    header = (first, *((texts.t("doc.col.responses"),) if counted else ()),
              texts.t("doc.col.n"), texts.t("doc.col.share"), texts.t("doc.col.ci"))
    widths = SHARE_WIDTHS if counted else (SHARE_WIDTHS[0], *SHARE_WIDTHS[2:])
    return Table(title, header, tuple(rows), (False, *(True,) * (len(header) - 1)), widths, note)


def trend_chart(report: Report, texts: Texts) -> Chart | None:
    """The satisfied share of the overall question per period of the report."""
    cells = report.inputs.periods["cells"]
    if len(cells) < 2:
        return None
    labels, values, counts = [], [], []
    for cell in cells:
        key = str(cell["key"])
        labels.append(texts.day_short(date.fromisoformat(key)) if len(key) == 10
                      else texts.period(key))
        score = headline(cell["questions"]) or {}
        n = int(score.get("n") or 0)
        counts.append(n)
        values.append(score.get("satisfied") if n else None)
    period = report.inputs.period
    return Chart(texts.t(f"doc.chart.{period}"), tuple(labels), tuple(values), tuple(counts),
                 texts.t("doc.none"), texts.t("doc.chart.alt"))


def appendix(report: Report, texts: Texts, min_n: int) -> tuple[Table, ...]:
    inputs = report.inputs
    note = texts.t("doc.t.star", min_n=min_n)  # said once, under the first table
    tables = [share_table(
        texts.t(f"report.s.by_{inputs.period}"), texts.t(f"report.col.{inputs.period}"),
        [share_row(texts.period(str(c["key"])), headline(c["questions"]), texts,
                   int(c["responses"]), min_n) for c in inputs.periods["cells"]],
        texts, counted=True, note=note)]
    items = [share_row((c.get("text") or {}).get(texts.lang) or str(c["key"]), c, texts,
                       min_n=min_n) for c in inputs.questions["cells"] if c["type"] == "rating"]
    tables.append(share_table(texts.t("report.s.items"), texts.t("doc.col.question"), items,
                              texts))
    for key, document in (("counters", inputs.counters), ("officers", inputs.officers)):
        rows = [cell_row(cell, texts, min_n) for cell in document["cells"]]
        if rows:
            tables.append(share_table(texts.t(f"report.s.{key}"),
                                      texts.t(f"doc.col.{key}"), rows, texts, counted=True))
    tables += integrity_tables(report, texts)
    return tuple(tables)


def cell_row(cell: Mapping[str, Any], texts: Texts, min_n: int) -> tuple[str, ...]:
    name = str(cell.get("name") or cell["key"] or "—")
    if cell.get("withheld"):  # a head's officer cell below min n: no number at all
        return (name, texts.number(int(cell["responses"])), "—", texts.t("doc.withheld"), "")
    return share_row(name, headline(cell["questions"]), texts, int(cell["responses"]), min_n)


def integrity_tables(report: Report, texts: Texts) -> list[Table]:
    """The integrity questions' prevalences, for those who may see them (never a head)."""
    rows = report.section("integrity").rows
    if not rows:
        return []
    body = [(str(r["text"] or r["question"]), texts.number(int(r["n"])),
             share_text(texts, r["prevalence"]) if r["n"] else texts.t("doc.none"),
             f"{share_text(texts, r['ci_low'])}–{share_text(texts, r['ci_high'])}"
             if r["ci_low"] is not None else "") for r in rows]
    return [Table(texts.t("report.s.integrity"),
                  (texts.t("doc.col.question"), texts.t("doc.col.n"),
                   texts.t("doc.col.prevalence"), texts.t("doc.col.ci")),
                  tuple(body), (False, True, True, True), (SHARE_WIDTHS[0], *SHARE_WIDTHS[2:]))]
