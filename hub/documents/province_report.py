"""The province report (hub/scores/province_report.py) as an official document: the province's
figures, its ranking and the units below its index in the results; each unit's factors, the
integrity prevalences and the needs in the appendix. Pure, like the office's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.documents.model import OfficialDocument, Part, Table
from hub.documents.phrases import (
    figure_text,
    header_fields,
    people_parts,
    period_text,
    share_text,
)
from hub.documents.settings import ReportSection
from hub.i18n import Texts
from hub.scores.method import FACTORS, OVERALL
from hub.scores.province_facts import province_facts
from hub.scores.province_report import INDEX, Figure, ProvinceReport, Unit
from hub.scores.province_sections import figure_name

# Relative widths: rank, unit, n, figure, interval.
RANK_WIDTHS = (0.6, 3.2, 0.7, 1.3, 1.8)
BLANK_BODY = "…"


def province_document(report: ProvinceReport, settings: ReportSection, texts: Texts
                      ) -> OfficialDocument:
    period = period_text(texts, report.first, report.last)
    results = Part(texts.t("doc.part.results"), tuple(result_sentences(report, texts)),
                   (ranking_table(report, texts),))
    return OfficialDocument(
        **header_fields(texts, settings, BLANK_BODY),
        subject=texts.t("doc.subject.province", province=report.province, period=period),
        figures_title=texts.t("doc.figures"), figures=figures(report, texts),
        parts=(results, *people_parts(texts)), appendix_title=texts.t("doc.appendix"),
        appendix=appendix(report, texts))


def figure_of(texts: Texts, figure: Figure) -> str:
    ci = (figure.low, figure.high) if figure.low is not None and figure.high is not None else None
    return figure_text(texts, figure.value, figure.n, ci)


def figures(report: ProvinceReport, texts: Texts) -> tuple[tuple[str, str], ...]:
    return ((texts.t("doc.f.channel"), texts.t("channel.kiosk")),
            (texts.t("doc.f.period"), period_text(texts, report.first, report.last)),
            (texts.t("province.kind"), texts.t(f"province.kind.{report.kind}")),
            (texts.t("doc.f.units"), texts.t("doc.f.units_value", units=len(report.units),
                                             ranked=len(report.ranked))),
            (texts.t("doc.f.index"), figure_of(texts, report.totals[INDEX])),
            (texts.t("doc.f.overall"), figure_of(texts, report.totals[OVERALL])))


def result_sentences(report: ProvinceReport, texts: Texts) -> list[str]:
    facts = province_facts(report)
    said = [texts.t("doc.r.units", province=report.province,
                    figure=figure_of(texts, report.totals[INDEX]),
                    count=texts.number(len(report.ranked))),
            texts.t("doc.r.overall", figure=figure_of(texts, report.totals[OVERALL]))]
    lowest = facts["lowest_factor"]
    if lowest:
        said.append(texts.t("doc.r.lowest",
                            factor=lowest["name"].get(texts.lang) or lowest["key"],
                            figure=figure_of(texts, report.totals[lowest["key"]])))
    below = facts["below_index"]
    if report.totals[INDEX].value is not None:
        said.append(texts.t("doc.r.below", units="; ".join(
            f"{u['name'] or u['office']} ({share_text(texts, u['index'])})" for u in below))
            if below else texts.t("doc.r.none_below"))
    if report.too_few:
        said.append(texts.t("doc.r.apart", count=len(report.too_few), min_n=report.min_n))
    return said


def unit_name(unit: Unit) -> str:
    return unit.name or unit.office


def ranking_table(report: ProvinceReport, texts: Texts) -> Table:
    """Every unit on the ranked figure: ranked ones by rank, then those apart (rank "—")."""
    rows = []
    for unit in report.units:
        figure = unit.figures[report.order]
        ci = (f"{share_text(texts, figure.low)}–{share_text(texts, figure.high)}"
              if figure.low is not None and figure.high is not None else "")
        value = (share_text(texts, figure.value) if figure.n and figure.value is not None
                 else texts.t("doc.none"))
        rows.append((str(unit.rank) if unit.rank is not None else "—", unit_name(unit),
                     texts.number(figure.n), value, ci))
    name = figure_name(report, report.order, texts.t, texts.lang)
    return Table(texts.t("doc.t.ranking", figure=name),
                 (texts.t("doc.col.rank"), texts.t("doc.col.unit"), texts.t("doc.col.n"), name,
                  texts.t("doc.col.ci")), tuple(rows), (True, False, True, True, True),
                 RANK_WIDTHS, texts.t("doc.t.apart", min_n=report.min_n) if report.too_few
                 else "")


def appendix(report: ProvinceReport, texts: Texts) -> tuple[Table, ...]:
    whole = texts.t("province.whole", province=report.province)
    factors = Table(
        texts.t("doc.t.unit_factors"),
        (texts.t("doc.col.unit"), *(texts.t(f"report.factor.{k}") for k in FACTORS)),
        (*((unit_name(u), *(cell(texts, u.figures[k]) for k in FACTORS)) for u in report.units),
         (whole, *(cell(texts, report.totals[k]) for k in FACTORS))),
        (False, *(True,) * len(FACTORS)), (2.4, *(1.0,) * len(FACTORS)),
        texts.t("doc.t.factor_names", names="; ".join(
            figure_name(report, k, texts.t, texts.lang) for k in FACTORS)))
    tables = [factors]
    if report.integrity:
        tables.append(Table(
            texts.t("report.s.integrity"),
            (texts.t("doc.col.question"), texts.t("doc.col.n"), texts.t("doc.col.prevalence"),
             texts.t("doc.col.ci")),
            tuple(integrity_row(texts, e) for e in report.integrity),
            (False, True, True, True), (3.2, 0.7, 1.4, 1.8)))
    choices = [c for c in report.needs.get("choices", []) if c["count"]]
    if choices:
        tables.append(Table(
            texts.t("report.s.needs"), (texts.t("report.col.choice"), texts.t("report.col.count"),
                                        texts.t("report.col.share_answered")),
            tuple((str((c.get("text") or {}).get(texts.lang) or c["choice"]),
                   texts.number(int(c["count"])), share_text(texts, c["share"]))
                  for c in choices), (False, True, True), (3.6, 1.2, 1.6)))
    return tuple(tables)


def cell(texts: Texts, figure: Figure) -> str:
    """A unit's factor share in the appendix: "—" unanswered, a star below min n."""
    if not figure.n or figure.value is None:
        return "—"
    return share_text(texts, figure.value) + ("*" if figure.too_few else "")


def integrity_row(texts: Texts, entry: Mapping[str, Any]) -> tuple[str, ...]:
    """An integrity question's prevalence over the province, with its n and interval."""
    name = str((entry.get("text") or {}).get(texts.lang) or entry["question"])
    n = texts.number(int(entry.get("n") or 0))
    if entry.get("prevalence") is None:
        return (name, n, texts.t("doc.none"), "")
    ci = entry.get("prevalence_ci95")
    interval = f"{share_text(texts, ci[0])}–{share_text(texts, ci[1])}" if ci else ""
    return (name, n, share_text(texts, float(entry["prevalence"])), interval)
