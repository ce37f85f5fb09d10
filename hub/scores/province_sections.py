"""The province report as the report's tables (:class:`Section`): units × figures, channels,
integrity, needs. The CSV of ``/provinces/{p}/report.csv?table=…`` is written from these, with
the office report's writers (hub/web/report_files.py). Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.scores.method import OVERALL
from hub.scores.province_report import FIGURES, INDEX, Figure, ProvinceReport
from hub.scores.report_model import CHANNEL, TOO_FEW, Column, Section, Translate

FIGURE_VALUES = (Column("value", "report.col.value", "share"),
                 Column("n", "report.col.n", "int"),
                 Column("ci_low", "report.col.ci_low", "share"),
                 Column("ci_high", "report.col.ci_high", "share"))


def figure_name(report: ProvinceReport, key: str, t: Translate, lang: str) -> str:
    """A figure's name as people read it: the index's, the overall question's, or the
    factor's name in the unit kind's questionnaire (a hospital's sections are its own)."""
    if key in (INDEX, OVERALL):
        return t(f"province.figure.{key}")
    name = report.names.get(key, {}).get(lang)
    return f"{t('report.col.factor')} {key}: {name}" if name else f"{t('report.col.factor')} {key}"


def figure_values(figure: Figure) -> dict[str, Any]:
    return {"value": figure.value, "n": figure.n, "ci_low": figure.low, "ci_high": figure.high,
            "too_few": figure.too_few}


def units_section(report: ProvinceReport, t: Translate, lang: str) -> Section:
    """One row per unit and figure (ranked units first, in rank order, then those apart): the
    figure, its change against the previous period and whether that is significant."""
    rows = []
    for unit in report.units:
        for key in FIGURES:
            change = unit.changes[key]
            rows.append({"rank": unit.rank, "office": unit.office, "name": unit.name or unit.office,
                         "figure": key, "figure_name": figure_name(report, key, t, lang),
                         **figure_values(unit.figures[key]), "previous": change.previous,
                         "change": change.difference, "significant": change.significant,
                         "channel": "kiosk"})
    return Section("units", "province.s.units", (
        Column("rank", "province.col.rank", "int"), Column("office", "province.col.office",
                                                           code=True),
        Column("name", "province.col.unit"), Column("figure", "province.col.figure", code=True),
        Column("figure_name", "province.col.figure"), *FIGURE_VALUES,
        Column("previous", "province.col.previous", "share"),
        Column("change", "province.col.change", "share"),
        Column("significant", "province.col.significant", "flag"), TOO_FEW, CHANNEL),
        rows, ["province.note.change", "report.note.min_n"])


def channels_section(report: ProvinceReport, t: Translate, lang: str) -> Section:
    rows = []
    for unit in report.units:
        for entry in unit.channels:
            rows.append({"office": unit.office, "name": unit.name or unit.office,
                         "figure": unit.channel_figure,
                         "figure_name": figure_name(report, unit.channel_figure, t, lang),
                         "channel": entry.channel, **figure_values(entry.figure),
                         "differs": bool(entry.differs)})
    return Section("channels", "report.s.channels", (
        Column("office", "province.col.office", code=True), Column("name", "province.col.unit"),
        Column("figure", "province.col.figure", code=True),
        Column("figure_name", "province.col.figure"), CHANNEL, *FIGURE_VALUES,
        Column("differs", "report.col.differs", "flag"), TOO_FEW), rows,
        ["report.note.channels"])


def _text(entry: Mapping[str, Any], lang: str, key: str) -> str:
    return str((entry.get("text") or {}).get(lang) or entry[key])


def integrity_section(report: ProvinceReport, t: Translate, lang: str) -> Section:
    rows = [{"question": e["question"], "text": _text(e, lang, "question"), "yes": e["yes"],
             "no": e["no"], "n": e["n"], "value": e["prevalence"],
             "ci_low": (e["prevalence_ci95"] or (None, None))[0],
             "ci_high": (e["prevalence_ci95"] or (None, None))[1],
             "declined": e["declined"], "too_few": e["too_few"], "channel": "kiosk"}
            for e in report.integrity]
    return Section("integrity", "report.s.integrity", (
        Column("question", "report.col.question", code=True), Column("text", "report.col.text"),
        Column("yes", "report.col.yes", "int"), Column("no", "report.col.no", "int"),
        Column("n", "report.col.n", "int"),
        Column("value", "report.col.prevalence", "share"),
        Column("ci_low", "report.col.ci_low", "share"),
        Column("ci_high", "report.col.ci_high", "share"),
        Column("declined", "report.col.declined", "int"), TOO_FEW, CHANNEL), rows,
        ["report.note.integrity"])


def needs_section(report: ProvinceReport, t: Translate, lang: str) -> Section:
    needs = report.needs
    rows = [{"choice": c["choice"], "text": _text(c, lang, "choice"), "count": c["count"],
             "n": needs["answered"], "value": c["share"], "channel": "kiosk"}
            for c in needs["choices"]]
    return Section("needs", "report.s.needs", (
        Column("choice", "report.col.choice", code=True), Column("text", "report.col.text"),
        Column("count", "report.col.count", "int"), Column("n", "report.col.answered", "int"),
        Column("value", "report.col.share_answered", "share"), CHANNEL), rows,
        ["report.note.needs" if needs.get("asked") else "report.note.needs_not_asked"],
        facts={"answered": needs["answered"], "max_choices": needs.get("max_choices") or 1})


SECTIONS = (units_section, channels_section, integrity_section, needs_section)


def province_sections(report: ProvinceReport, t: Translate, lang: str
                      ) -> tuple[Section, ...]:
    return tuple(build(report, t, lang) for build in SECTIONS)
