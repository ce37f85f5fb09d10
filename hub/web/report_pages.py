"""An office over any period: the period page, the printed A4 report, and its CSV and XLSX files.

All four are views of one :func:`hub.reports.build_report` over the API's documents, so a
figure on the page, in the printout and in the files is the API's figure.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup, escape
from starlette.concurrency import run_in_threadpool

from hub.i18n import Texts
from hub.scores.report_model import PERIODS, Column, Report, Section
from hub.scores.reports import build_report, gather, grouped
from hub.web.access import office_session, session_of
from hub.web.charts import DayPoint, band
from hub.web.context import dashboard_of
from hub.web.params import MAX_RANGE_DAYS, ApiError, parse_day
from hub.web.render import known_office, render, texts_of, today_in
from hub.web.report_files import csv_for, readable
from hub.web.report_xlsx import report_xlsx
from hub.web.survey_pages import side_by_side

router = APIRouter()
# The period page opens on the last 30 days.
DEFAULT_DAYS = 30
# The printed report's appendix, in this order: the tables that grow with the questionnaire,
# the days, the counters and officers (a month of days alone is a page), so the report's body
# (figures, chart, factors, channels, needs, actions) stays two or three A4 pages.
APPENDIX = ("items", "periods", "counters", "officers", "reasons", "stages", "alerts", "flags")


class PeriodError(Exception):
    """A period a person typed wrong: the reason (English, as the API says it) and the
    catalogue key and values that say it in the page's language."""

    def __init__(self, message: str, key: str, **values: object) -> None:
        super().__init__(message)
        self.message = message
        self.key = key
        self.values = values


def period_of(request: Request, today: date) -> tuple[date, date, str]:
    """``from``, ``to`` and ``by`` of the page's query, with the page's defaults."""
    query = request.query_params
    try:
        last = parse_day(query.get("to"), "to", today)
        first = parse_day(query.get("from"), "from", last - timedelta(days=DEFAULT_DAYS - 1))
    except ApiError as exc:
        raise PeriodError(exc.message, "period.error.day",
                          value=query.get(exc.parameter or "") or "") from None
    if last < first:
        raise PeriodError(f"the range is reversed: from {first} is after to {last}",
                          "period.error.reversed", first=first, last=last)
    if (last - first).days > MAX_RANGE_DAYS:
        raise PeriodError(f"the range is longer than {MAX_RANGE_DAYS} days",
                          "period.error.too_long", days=MAX_RANGE_DAYS)
    by = query.get("by") or "day"
    if by not in PERIODS:
        raise PeriodError(f"by must be one of {', '.join(PERIODS)}, got {by!r}",
                          "period.error.by")
    return first, last, by


def office_report(request: Request, office: str) -> tuple[Any, Report, Texts]:
    session = office_session(request, office)
    dashboard = dashboard_of(request.app)
    row = known_office(dashboard, session, office)
    texts = texts_of(request)
    first, last, by = period_of(request, today_in(dashboard, office))
    report = build_report(gather(dashboard.documents, row, first, last, by, texts.lang,
                                 session.principal.is_admin, session.principal.sees_integrity))
    return session, report, texts


def cell_text(texts: Texts, min_n: int, row: dict[str, Any], column: Column,
              zone: tzinfo | None = None) -> Markup:
    """One table cell of a report section as the page prints it; a moment (ISO in the files
    and the API) in the office's time zone."""
    value = row.get(column.key)
    kind = row.get("kind", "text") if column.key == "value" else column.kind
    if column.kind == "window":
        return Markup(escape(readable(row, column, texts, zone)))
    if value is None:
        return Markup("—")
    if column.key == "too_few" and value and not row.get("n"):  # none at all is not "too few"
        return Markup(escape(texts.t("live.no_ratings_yet")))
    if column.key.endswith("_at") and isinstance(value, str) and column.kind != "moment":
        return Markup(escape(texts.moment(value, zone)))
    if isinstance(value, str) or column.kind == "flag":
        return Markup(escape(readable(row, column, texts, zone)))
    if kind == "share":
        text = escape(texts.percent(value, 1))
        if column.key == "satisfied":  # the colour chip, never for a small cell
            chip = band(value, int(row.get("n") or 0), min_n)
            return Markup(f'<span class="chip band-{chip}" aria-hidden="true"></span>{text}')
        return Markup(text)
    if column.kind == "number" and isinstance(value, float):
        return Markup(escape(texts.number(value, 2)))
    if isinstance(value, int) and not isinstance(value, bool):
        return Markup(escape(texts.number(value)))
    return Markup(escape(str(value)))


def period_points(report: Report) -> list[DayPoint]:
    points = []
    for row in report.section("periods").rows:
        key = row["key"] if len(row["key"]) == 10 else row["key"] + "-01"
        ci = (row["ci_low"], row["ci_high"]) if row["ci_low"] is not None else None
        points.append(DayPoint(date.fromisoformat(key), row["n"], row["satisfied"], ci))
    return points


def report_context(request: Request, report: Report, texts: Texts) -> dict[str, Any]:
    inputs = report.inputs
    min_n = int(inputs.scores["min_n"])
    query = {"from": inputs.first.isoformat(), "to": inputs.last.isoformat(), "by": inputs.period}
    base = f"/offices/{inputs.office['id']}"
    zone = dashboard_of(request.app).timezone_of(str(inputs.office["id"]))
    return {"office": inputs.office, "now": datetime.now(zone), "zone": zone, "report": report,
            "min_n": min_n, "query": query,
            "cell": lambda row, column: cell_text(texts, min_n, row, column, zone),
            "points": period_points(report),
            "links": {"period": f"{base}/period?{urlencode(query)}",
                      "report": f"{base}/report?{urlencode(query)}",
                      "xlsx": f"{base}/report.xlsx?{urlencode(query)}",
                      "docx": f"{base}/report.docx?{urlencode(query)}",
                      "pdf": f"{base}/report.pdf?{urlencode(query)}",
                      "csv": {s.key: f"{base}/report.csv?{urlencode({**query, 'table': s.key})}"
                              for s in report.sections}},
            "periods": PERIODS, "groups": grouped(report),
            **side_by_side(request, str(inputs.office["id"]), inputs.first, inputs.last,
                           inputs.channels)}


async def period_failed(request: Request, exc: Exception) -> Response:
    """A malformed period (installed as the app's handler of :class:`PeriodError`): 400 with
    the reason, on the error page."""
    assert isinstance(exc, PeriodError)
    session = await run_in_threadpool(session_of, request)
    texts = texts_of(request)
    values = {k: texts.day(v) if isinstance(v, date) else v for k, v in exc.values.items()}
    query = request.query_params
    return render(request, "period_error.html", {
        "message": texts.t(exc.key, **values), "reason": exc.message,
        "action": request.url.path, "periods": PERIODS,
        "query": {"from": query.get("from", ""), "to": query.get("to", ""),
                  "by": query.get("by", "day")}}, 400, session)


@router.get("/offices/{office}/period", response_class=HTMLResponse, include_in_schema=False)
def period_page(request: Request, office: str) -> Response:
    session, report, texts = office_report(request, office)
    return render(request, "period.html", report_context(request, report, texts), 200, session)


@router.get("/offices/{office}/report", response_class=HTMLResponse, include_in_schema=False)
def report_page(request: Request, office: str) -> Response:
    """The A4 report, meant to be printed (or saved as PDF) from the browser."""
    session, report, texts = office_report(request, office)
    return render(request, "report.html", {**report_context(request, report, texts),
                                           "groups": printed_groups(report)}, 200, session)


def printed_groups(report: Report) -> list[tuple[str | None, list[Section]]]:
    """The period page's groups without the APPENDIX tables, then those as one more group,
    ``appendix`` (its heading and lead are catalogued as an aspect's)."""
    body = [(aspect, [s for s in sections if s.key not in APPENDIX])
            for aspect, sections in grouped(report)]
    return [*body, ("appendix", [s for key in APPENDIX for s in report.sections if s.key == key])]


def file_name(report: Report, suffix: str) -> str:
    inputs = report.inputs
    return f"{inputs.office['id']}_{inputs.first.isoformat()}_{inputs.last.isoformat()}.{suffix}"


@router.get("/offices/{office}/report.xlsx", include_in_schema=False)
def report_file(request: Request, office: str) -> Response:
    _session, report, texts = office_report(request, office)
    title = f"{texts.t('report.title')} — {report.inputs.office.get('name') or office}"
    zone = dashboard_of(request.app).timezone_of(office)
    return Response(report_xlsx(report, texts, title, zone), media_type=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        headers={"Content-Disposition": f'attachment; filename="{file_name(report, "xlsx")}"'})


@router.get("/offices/{office}/report.csv", include_in_schema=False)
def report_csv(request: Request, office: str) -> Response:
    _session, report, texts = office_report(request, office)
    zone = dashboard_of(request.app).timezone_of(office)
    table = request.query_params.get("table") or "counters"
    if table not in {s.key for s in report.sections}:
        raise PeriodError(f"table must be one of {', '.join(s.key for s in report.sections)}, "
                          f"got {table!r}", "period.error.table", table=table)
    name = file_name(report, "csv").replace(".csv", f"_{table}.csv")
    return Response(csv_for(report.section(table), texts, zone),
                    media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
