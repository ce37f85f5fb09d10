"""A province's report (admins and the province's viewers; a head gets 403 as on /provinces):
the page, its CSV and XLSX, and the API's JSON, all rendered from one
:class:`hub.scores.province_report.ProvinceReport`, so their figures are the same.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from hub.i18n import Texts
from hub.scores.method import FACTORS
from hub.scores.province_facts import province_facts
from hub.scores.province_report import FIGURES, INDEX, SORTS, ProvinceReport
from hub.scores.province_sections import figure_name, province_sections
from hub.web.access import province_session
from hub.web.context import dashboard_of
from hub.web.province_params import (
    ProvinceAsk,
    ProvinceAskError,
    error_values,
    province_ask,
    province_report,
)
from hub.web.render import render, texts_of
from hub.web.report_files import csv_for
from hub.web.report_xlsx import LongRow, channel_name, long_xlsx

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def asked_report(request: Request, province: str
                 ) -> tuple[Any, ProvinceAsk, ProvinceReport, Texts] | Response:
    """The session, the question and the report; or the error page (in the page's language)."""
    session = province_session(request, province)
    texts = texts_of(request)
    try:
        ask = province_ask(request, province)
    except ProvinceAskError as exc:
        return render(request, "error.html",
                      {"message": texts.t(exc.key, **error_values(exc, texts.day))},
                      exc.status, session)
    report = province_report(request, ask, session.principal.sees_integrity)
    return session, ask, report, texts


def file_name(report: ProvinceReport, suffix: str) -> str:
    return (f"{report.province}_{report.kind}_{report.first.isoformat()}_"
            f"{report.last.isoformat()}.{suffix}")


@router.get("/provinces/{province}/report", response_class=HTMLResponse,
            include_in_schema=False)
def report_page(request: Request, province: str) -> Response:
    found = asked_report(request, province)
    if isinstance(found, Response):
        return found
    session, ask, report, texts = found
    base = f"/provinces/{province}/report"
    query = ask.query
    names = {key: figure_name(report, key, texts.t, texts.lang) for key in FIGURES}
    return render(request, "province_report.html", {
        "ask": ask, "report": report, "facts": province_facts(report), "names": names,
        "figures": FIGURES, "factors": FACTORS, "sorts": SORTS, "index": INDEX,
        "query": query, "sections": province_sections(report, texts.t, texts.lang),
        "links": {"xlsx": f"{base}.xlsx?{urlencode(query)}",
                  "docx": f"{base}.docx?{urlencode(query)}",
                  "pdf": f"{base}.pdf?{urlencode(query)}",
                  "ranking": f"/provinces/{province}?" + urlencode(
                      {"from": query["from"], "to": query["to"], "kind": ask.kind}),
                  "csv": {key: f"{base}.csv?{urlencode({**query, 'table': key})}"
                          for key in ("units", "channels", "integrity", "needs")}},
        "channel_units": [u for u in report.units if len(u.channels) > 1],
        "channel_name": lambda c: channel_name(texts, c)}, 200, session)


@router.get("/provinces/{province}/report.csv", include_in_schema=False)
def report_csv(request: Request, province: str) -> Response:
    found = asked_report(request, province)
    if isinstance(found, Response):
        return found
    session, _ask, report, texts = found
    sections = {s.key: s for s in province_sections(report, texts.t, texts.lang)}
    table = request.query_params.get("table") or "units"
    if table not in sections:
        return render(request, "error.html", {"message": texts.t(
            "period.error.table", table=table)}, 400, session)
    name = file_name(report, "csv").replace(".csv", f"_{table}.csv")
    return Response(csv_for(sections[table], texts), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def province_rows(report: ProvinceReport, texts: Texts, province_name: str) -> list[LongRow]:
    """The province report's figures as long rows: each unit's seven figures (and its rank,
    and its figures of the previous period), its channels, then the province's own, under
    ``province_name`` (the roster's)."""
    t, lang = texts.t, texts.lang
    kiosk = channel_name(texts, "kiosk")
    whole = t("province.whole", province=province_name)
    rows: list[LongRow] = []

    def figures(office: str, values: dict[str, Any], changes: dict[str, Any]) -> None:
        for key in FIGURES:
            figure, change = values[key], changes[key]
            note = []
            if figure.too_few and figure.n:
                note.append(t("report.too_few"))
            if change.direction:
                note.append(t(f"province.change.{change.direction}"))
            rows.append(LongRow(office, report.first, report.last, kiosk,
                                t("province.s.units"), figure_name(report, key, t, lang),
                                figure.value, figure.n, figure.low, figure.high,
                                "; ".join(note)))
            if change.previous is not None:
                rows.append(LongRow(office, report.previous_first, report.previous_last,
                                    kiosk, t("province.s.previous"),
                                    figure_name(report, key, t, lang), change.previous,
                                    change.previous_n))

    for unit in report.units:
        name = unit.name or unit.office
        if unit.rank is not None:
            rows.append(LongRow(name, report.first, report.last, kiosk, t("province.s.units"),
                                t("province.rank_by", figure=figure_name(report, report.order,
                                                                         t, lang)),
                                unit.rank, share=False))
        figures(name, unit.figures, unit.changes)
        for entry in unit.channels:
            rows.append(LongRow(name, report.first, report.last,
                                channel_name(texts, entry.channel), t("report.s.channels"),
                                figure_name(report, unit.channel_figure, t, lang),
                                entry.figure.value, entry.figure.n, entry.figure.low,
                                entry.figure.high, t("report.differs") if entry.differs else ""))
    figures(whole, report.totals, report.total_changes)
    for found in report.integrity:
        ci = found["prevalence_ci95"] or (None, None)
        rows.append(LongRow(whole, report.first, report.last, kiosk, t("report.s.integrity"),
                            str((found.get("text") or {}).get(lang) or found["question"]),
                            found["prevalence"], found["n"], ci[0], ci[1]))
    for choice in report.needs["choices"]:
        rows.append(LongRow(whole, report.first, report.last, kiosk, t("report.s.needs"),
                            str((choice.get("text") or {}).get(lang) or choice["choice"]),
                            choice["share"], report.needs["answered"]))
    return rows


@router.get("/provinces/{province}/report.xlsx", include_in_schema=False)
def report_xlsx(request: Request, province: str) -> Response:
    found = asked_report(request, province)
    if isinstance(found, Response):
        return found
    _session, _ask, report, texts = found
    t = texts.t
    named = dashboard_of(request.app).roster.province_name(province)
    title = t("province.report.title", province=named)
    notes = [f"{t(s.title)}: {t(note, min_n=report.min_n, **s.facts)}"
             for s in province_sections(report, t, texts.lang) for note in s.notes]
    period = (texts.day(report.first), texts.day(report.last))
    notes.insert(0, t("province.report.period", first=period[0], last=period[1],
                      kind=t(f"province.kind.{report.kind}")))
    download = file_name(report, "xlsx")
    return Response(long_xlsx(province_rows(report, texts, named), dict.fromkeys(notes), texts, title),
                    media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{download}"'})

