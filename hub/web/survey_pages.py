"""Survey pages: the admins' upload form with the list of imports (undo), and an office's kiosk
and survey channels side by side (``/offices/{office}/channels``, partial ``_channels.html``).

Every text comes from the catalogue (hub/i18n.py). Imports go through
hub/admin/survey_imports.py, as the CLI and API do.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from hub.admin.survey_imports import declared_channels, import_document, import_survey_file
from hub.admin.surveys import MAX_SURVEY_BYTES, SurveyRejected
from hub.i18n import Texts
from hub.scores.documents import Documents
from hub.web.access import admin_session, csrf_ok, office_session
from hub.web.context import Dashboard, dashboard_of
from hub.web.params import MAX_RANGE_DAYS, ApiError, parse_day
from hub.web.render import hub_zone, known_office, render, texts_of

router = APIRouter()
# The channels page shows at least this many days up to today, and reaches back to the first
# day of the office's imported surveys so that a fresh import is always in view.
DEFAULT_DAYS = 30
# The survey file's own column names, typed as they are (docs/survey-import.md): shown as code.
FILE_COLUMNS = Markup("<code>office</code>, <code>date</code>, <code>channel</code>, "
                      "<code>respondent</code>")


def channel_label(channel: str, texts: Texts) -> str:
    known = {"kiosk": texts.t("channel.kiosk"), "paper": texts.t("channel.paper"),
             "phone": texts.t("channel.phone"), "postal": texts.t("channel.postal"),
             "web": texts.t("channel.web"), "web-poster": texts.t("channel.web-poster")}
    # a channel declared in [hub] survey_channels speaks for itself
    return known.get(channel, channel)


# -- side by side --------------------------------------------------------------------------
def channels_view(document: Mapping[str, Any], texts: Texts, question_text: Callable[[str], str],
                  factor_text: Callable[[str], str]) -> dict[str, Any]:
    """The comparison document as the partial shows it: one table per questions/factors, a
    row per item, a cell per channel, and a sentence for each marked difference."""
    baseline = document["baseline"]
    channels = [{"id": c, "label": channel_label(c, texts),
                 "responses": document["responses"].get(c, 0)} for c in document["channels"]]
    labels = {c["id"]: c["label"] for c in channels}

    def rows(items: Sequence[Mapping[str, Any]], heading: Callable[[str], str]
             ) -> list[dict[str, Any]]:
        result = []
        for item in items:
            cells = []
            for channel in document["channels"]:
                entry = item["channels"][channel]
                cells.append({"channel": channel, "n": entry["n"],
                              "share": texts.percent(entry["satisfied"]),
                              "interval": texts.interval(entry["satisfied_ci95"]),
                              "too_few": entry.get("too_few", False),
                              "differs": item["differs"].get(channel)})
            base = item["channels"][baseline]
            notes = [texts.t("channels.versus", base=labels[baseline],
                             base_share=texts.percent(base["satisfied"]), base_n=base["n"],
                             other=labels[channel],
                             other_share=texts.percent(item["channels"][channel]["satisfied"]),
                             other_n=item["channels"][channel]["n"])
                     for channel, differs in item["differs"].items() if differs]
            result.append({"key": item["key"], "heading": heading(item["key"]), "cells": cells,
                           "marked": item["marked"], "notes": notes})
        return result

    questions = rows(document["questions"], question_text)
    factors = rows(document.get("factors", []), factor_text)
    # A questionnaire with one question per factor (SIPAS's) makes both tables the same six
    # rows: the comparison appears once, the question rows naming their factor.
    same = bool(factors) and figures_of(questions) == figures_of(factors)
    return {"channels": channels, "baseline": baseline, "questions": questions,
            "factors": [] if same else factors, "factors_same": same,
            "surveys": len(document["channels"]) > 1}


def figures_of(rows: Sequence[Mapping[str, Any]]) -> list[list[tuple[Any, ...]]]:
    """A table's figures without its headings, in a fixed order, to tell two tables apart."""
    return sorted([(c["channel"], c["n"], c["share"], c["interval"]) for c in row["cells"]]
                  for row in rows)


def _texts_of_catalog(documents: Documents, texts: Texts, office: str
                      ) -> tuple[Callable[[str], str], Callable[[str], str]]:
    """Question and factor names in the wording of the office's own questionnaire."""
    own = documents.questionnaires_of(office)

    def question_text(question: str) -> str:
        found = documents.text_of(question, preferred=own)
        return found[texts.lang] if found else question

    def factor_text(factor: str) -> str:
        if factor == "overall":
            return texts.t("live.overall")
        for questionnaire in [*own, *documents.catalog.values()]:
            named = questionnaire.factors.get(factor)
            if named is not None:
                return f"{factor}. {named.get(texts.lang)}"
        return factor

    return question_text, factor_text


def side_by_side(request: Request, office: str, first: date, last: date,
                 document: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The context ``_channels.html`` needs (``{"channels": …}``), for any page including it
    (the office page, the period page, the printed report); ``document`` is the channels
    document when the caller already has it (the report's)."""
    dashboard = dashboard_of(request.app)
    texts = texts_of(request)
    if document is None:
        document = dashboard.documents.channels(office, first, last)
    return {"channels": channels_view(document, texts,
                                      *_texts_of_catalog(dashboard.documents, texts, office))}


def office_page_channels(request: Request, office: str, today: date) -> dict[str, Any]:
    """The office page's channels: the default range of the channels page (the last
    DEFAULT_DAYS days, or since the office's first imported survey), said on the page."""
    first = default_first(dashboard_of(request.app), office, today)
    return {**side_by_side(request, office, first, today), "channels_first": first,
            "channels_last": today, "channels_days": DEFAULT_DAYS}


def default_first(dashboard: Dashboard, office: str, today: date) -> date:
    first = today - timedelta(days=DEFAULT_DAYS - 1)
    for row in dashboard.documents.read.survey_imports():
        if row["undone_at"] is None and office in row["offices"].split(","):
            first = min(first, row["first_day"])
    return max(first, today - timedelta(days=MAX_RANGE_DAYS))


@router.get("/offices/{office}/channels", response_class=HTMLResponse, include_in_schema=False)
def office_channels(request: Request, office: str) -> Response:
    session = office_session(request, office)
    dashboard = dashboard_of(request.app)
    row = known_office(dashboard, session, office)
    texts = texts_of(request)
    today = datetime.now(dashboard.timezone_of(office)).date()
    error = None
    try:
        last = parse_day(request.query_params.get("to"), "to", today)
        first = parse_day(request.query_params.get("from"), "from",
                          default_first(dashboard, office, last))
        if last < first:
            raise ApiError(400, texts.t("channels.reversed"), "to")
        if (last - first).days > MAX_RANGE_DAYS:
            raise ApiError(400, texts.t("channels.too_long", days=MAX_RANGE_DAYS), "to")
    except ApiError as exc:
        error = exc.message
        last = today
        first = default_first(dashboard, office, today)
    return render(request, "channels.html", {
        "office": row, **side_by_side(request, office, first, last), "first": first,
        "last": last, "error": error, "min_n": dashboard.documents.min_n}, 400 if error else 200,
        session)


# -- imports (admins) ----------------------------------------------------------------------
def surveys_page(request: Request, session: Any, status: int = 200, **context: Any
                 ) -> HTMLResponse:
    dashboard = dashboard_of(request.app)
    imports = [import_document(row) for row in dashboard.documents.read.survey_imports()]
    return render(request, "surveys.html", {
        "imports": imports, "channels": declared_channels(dashboard.survey_channels),
        "channel_label": lambda c: channel_label(c, texts_of(request)),
        "max_mb": MAX_SURVEY_BYTES // (1024 * 1024), "problems": [], "message": None,
        "chosen": "", "zone": hub_zone(dashboard), "columns": FILE_COLUMNS, **context}, status,
        session)


@router.get("/surveys", response_class=HTMLResponse, include_in_schema=False)
def surveys(request: Request) -> Response:
    session = admin_session(request)
    texts = texts_of(request)
    notice = request.query_params.get("undone")
    message = texts.t("surveys.undone", id=notice) if notice and notice.isdigit() else None
    return surveys_page(request, session, message=message)


@router.post("/surveys", response_class=HTMLResponse, include_in_schema=False)
async def upload_survey(request: Request) -> Response:
    session = await run_in_threadpool(admin_session, request)
    texts = texts_of(request)
    form = await request.form()
    if not csrf_ok(request, form, session.csrf):
        return HTMLResponse(texts.t("signin.csrf"), 403)
    upload = form.get("file")
    channel = str(form.get("channel") or "") or None
    if not isinstance(upload, UploadFile) or not upload.filename:
        return await run_in_threadpool(lambda: surveys_page(
            request, session, 400, problems=[texts.t("surveys.no_file")], chosen=channel or ""))
    data = await upload.read(MAX_SURVEY_BYTES + 1)
    dashboard = dashboard_of(request.app)
    try:
        done = await run_in_threadpool(
            import_survey_file, dashboard.store, dashboard.documents.catalog,
            dashboard.survey_channels, dashboard.timezone_of, data, upload.filename, channel,
            f"user:{session.principal.name}", datetime.now(UTC))
    except SurveyRejected as exc:
        problems, total = [str(p) for p in exc.problems], exc.total
        return await run_in_threadpool(lambda: surveys_page(
            request, session, 422, problems=problems, total=total, file_name=upload.filename,
            chosen=channel or ""))
    message = (texts.t("surveys.duplicate", name=upload.filename, id=done.id, rows=done.rows)
               if done.duplicate else
               texts.t("surveys.imported", name=upload.filename, id=done.id, rows=done.rows))
    return await run_in_threadpool(lambda: surveys_page(request, session, message=message))


@router.post("/surveys/{import_id}/undo", include_in_schema=False)
async def undo_survey(request: Request, import_id: int) -> Response:
    session = await run_in_threadpool(admin_session, request)
    form = await request.form()
    texts = texts_of(request)
    if not csrf_ok(request, form, session.csrf):
        return HTMLResponse(texts.t("signin.csrf"), 403)
    dashboard = dashboard_of(request.app)
    try:
        await run_in_threadpool(dashboard.store.undo_import, import_id,
                                f"user:{session.principal.name}", datetime.now(UTC))
    except LookupError as exc:
        problem = str(exc)
        return await run_in_threadpool(lambda: surveys_page(request, session, 404,
                                                            problems=[problem]))
    return RedirectResponse(f"/surveys?undone={import_id}", 303)
