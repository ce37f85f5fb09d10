"""The dashboard's pages: sign-in and sign-out, the offices a user may see, an office's live page.

Handlers that read the database are plain functions (FastAPI runs them in its thread pool).
Every text comes from the catalogue (hub/i18n.py); what every page needs, from hub/web/render.py;
the live page's event stream is hub/web/api/events.py.
"""

from __future__ import annotations

import logging
import math
import time
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from hailong.logsafe import printable, typed_name
from hub.admin.accounts import Principal
from hub.i18n import Texts
from hub.scores.choices import withhold_sensitive_reasons
from hub.scores.documents import withhold_small_officers
from hub.store.alerts import NOTE_MAX
from hub.web.access import (
    CSRF_FIELD,
    SESSION_COOKIE,
    SIGNIN_COOKIE,
    PageDenied,
    csrf_ok,
    gate_of,
    office_session,
    page_session,
    session_of,
    set_cookie,
    signin_token,
)
from hub.web.alert_actions import OUTCOMES, who
from hub.web.attention import (
    comparisons,
    kiosk_health,
    top_reasons,
    weakest_counter,
    weakest_factor,
)
from hub.web.context import Dashboard, dashboard_of
from hub.web.render import (
    headings,
    known_office,
    office_row,
    render,
    safe_next,
    texts_of,
    today_in,
)
from hub.web.survey_pages import office_page_channels
from hub.web.views import LiveView, cell_rows, live_view

log = logging.getLogger(__name__)
router = APIRouter()
# The live page's chart: this many days up to today.
HISTORY_DAYS = 30
# Open alerts listed on the live page: more than a screenful is one message, "too many".
LIVE_ALERTS = 20
# How long the sign-in form's token cookie lives: a form left open longer is simply re-shown.
SIGNIN_COOKIE_AGE = 12 * 3600


# -- sign-in -------------------------------------------------------------------------------
def signin_page(request: Request, message: str | None = None, status: int = 200,
                kind: str = "error", name: str = "") -> HTMLResponse:
    token, fresh = signin_token(request)
    response = render(request, "signin.html", {
        "csrf": token, "message": message, "message_kind": kind, "name": name,
        "next": safe_next(request.query_params.get("next") or None)}, status)
    if fresh:
        set_cookie(response, request, SIGNIN_COOKIE, token, max_age=SIGNIN_COOKIE_AGE,
                   samesite="strict")
    return response


@router.get("/signin", response_class=HTMLResponse, include_in_schema=False)
def signin_form(request: Request) -> Response:
    if session_of(request) is not None:
        return RedirectResponse(safe_next(request.query_params.get("next")), 303)
    texts = texts_of(request)
    notice = request.query_params.get("notice")
    message = {"signed-out": texts.t("signin.signed_out"),
               "required": texts.t("signin.required")}.get(notice or "")
    return signin_page(request, message, kind="info")


@router.post("/signin", response_class=HTMLResponse, include_in_schema=False)
async def signin(request: Request) -> Response:
    form = await request.form()
    texts = texts_of(request)
    gate = gate_of(request)
    name = str(form.get("name", "")).strip().lower()
    password = str(form.get("password", ""))
    target = safe_next(str(form.get("next", "")) or None)
    if not csrf_ok(request, form, request.cookies.get(SIGNIN_COOKIE, "")):
        return signin_page(request, texts.t("signin.csrf"), 403, name=name)
    address = request.client.host if request.client else "?"
    wait = gate.limiter.retry_after(name, address, time.monotonic())
    if wait > 0:
        known = await run_in_threadpool(gate.accounts.user_exists, name)
        log.warning("sign-in refused: too many failures for %s or from %s",
                    typed_name(name, known), printable(address))
        response = signin_page(request, texts.t("signin.locked", minutes=math.ceil(wait / 60)),
                               429, name=name)
        response.headers["Retry-After"] = str(math.ceil(wait))
        return response
    principal = await run_in_threadpool(gate.accounts.verify_password, name, password)
    if principal is None:
        gate.limiter.failed(name, address, time.monotonic())
        known = await run_in_threadpool(gate.accounts.user_exists, name)
        log.warning("sign-in refused: %s from %s", f"wrong password for {typed_name(name, True)}"
                    if known else typed_name(name, False), printable(address))
        return signin_page(request, texts.t("signin.wrong"), 200, name=name)
    gate.limiter.succeeded(name, address)
    log.info("sign-in: %s (%s) from %s", name, principal.role, printable(address))
    await run_in_threadpool(gate.accounts.purge_sessions, gate.idle)
    old = (await run_in_threadpool(session_of, request)
           if request.cookies.get(SESSION_COOKIE) else None)
    if old is not None:  # a new session id at every sign-in: no session fixation
        await run_in_threadpool(gate.accounts.close_session, old.id_hash)
    secret, _session = await run_in_threadpool(gate.accounts.open_session, principal)
    redirect = RedirectResponse(target, 303)
    set_cookie(redirect, request, SESSION_COOKIE, secret)
    redirect.delete_cookie(SIGNIN_COOKIE, path="/")
    return redirect


@router.post("/signout", include_in_schema=False)
async def signout(request: Request) -> Response:
    form = await request.form()
    session = await run_in_threadpool(session_of, request)
    if session is None:
        return RedirectResponse("/signin", 303)
    if not csrf_ok(request, form, session.csrf):
        texts = texts_of(request)
        return HTMLResponse(texts.t("signin.csrf"), 403)
    await run_in_threadpool(gate_of(request).accounts.close_session, session.id_hash)
    response = RedirectResponse("/signin?notice=signed-out", 303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def page_denied(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageDenied)
    if exc.status == 401:
        return RedirectResponse("/signin?" + urlencode({"next": request.url.path,
                                                         "notice": "required"}), 303)
    texts = texts_of(request)
    session = await run_in_threadpool(session_of, request)
    message = (texts.t("error.forbidden") if exc.status == 403
               else texts.t("error.not_found", office=exc.office or ""))
    return render(request, "error.html", {"message": message}, exc.status, session)


# -- offices -------------------------------------------------------------------------------
@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(request: Request) -> Response:
    session = page_session(request)
    dashboard = dashboard_of(request.app)
    principal = session.principal
    if principal.is_admin:
        rows = dashboard.store.read.offices()
    else:
        rows = [office_row(dashboard, o) or {"id": o, "name": "", "province": "",
                                             "registered": False}
                for o in sorted(principal.offices)]
    texts = texts_of(request)
    offices = []
    for row in rows:
        day = today_in(dashboard, row["id"])
        view = live_view(dashboard.documents.scores(row["id"], day, day), (), dashboard.labels,
                         texts.lang, dashboard.min_n, headings(texts), row.get("kind", "admin"))
        offices.append({"row": row, "view": view})
    return render(request, "home.html", {"offices": offices, "min_n": dashboard.min_n}, 200,
                  session)


def office_live_view(dashboard: Dashboard, office: str, texts: Texts) -> LiveView:
    documents = dashboard.documents
    day = today_in(dashboard, office)
    # the chart: one cell per day of the day breakdown, the API's ``by=day`` document
    history = documents.breakdown(office, day - timedelta(days=HISTORY_DAYS - 1), day, "day")
    row = office_row(dashboard, office)
    return live_view(documents.scores(office, day, day), history["cells"], dashboard.labels,
                     texts.lang, dashboard.min_n, headings(texts),
                     str(row["kind"]) if row else "admin")


def live_context(dashboard: Dashboard, office: str, texts: Texts, principal: Principal
                 ) -> dict[str, Any]:
    documents = dashboard.documents
    day = today_in(dashboard, office)
    officers = documents.breakdown(office, day, day, "officer")
    reasons = documents.reasons(office, day, day)
    if not principal.is_admin:  # only admins see small officer cells
        withhold_small_officers(officers)
    if not principal.sees_integrity:  # heads never see the sensitive reasons
        withhold_sensitive_reasons(reasons)
    view = office_live_view(dashboard, office, texts)
    counters = cell_rows(documents.breakdown(office, day, day, "counter"), dashboard.min_n)
    kiosks = documents.kiosks(office)["kiosks"]
    return {"view": view, "min_n": dashboard.min_n,
            "updated": datetime.now(dashboard.timezone_of(office)),
            "counters": counters, "officers": cell_rows(officers, dashboard.min_n),
            "reasons": reasons,
            "open_alerts": documents.alerts(office, "open", LIVE_ALERTS)["alerts"],
            "office_id": office, "may_handle": not principal.reads_only,
            "who": lambda event: who(texts, event), "note_max": NOTE_MAX,
            "kiosks": kiosks, "today": day, "zone": dashboard.timezone_of(office),
            "attention": {
                "weakest_counter": weakest_counter(counters, dashboard.min_n),
                "weakest_factor": weakest_factor(view.questions, dashboard.min_n),
                "comparisons": comparisons(view.days, dashboard.min_n),
                "reasons": top_reasons(reasons), "health": kiosk_health(kiosks)}}


@router.get("/offices/{office}", response_class=HTMLResponse, include_in_schema=False)
def office_page(request: Request, office: str) -> Response:
    session = office_session(request, office)
    dashboard = dashboard_of(request.app)
    row = known_office(dashboard, session, office)
    context = live_context(dashboard, office, texts_of(request), session.principal)
    channels = office_page_channels(request, office, context["today"])
    done = request.query_params.get("done")
    return render(request, "office.html", {"office": row, **context, **channels,
                                           "done": done if done in OUTCOMES else None},
                  200, session)


@router.get("/offices/{office}/live", response_class=HTMLResponse, include_in_schema=False)
def office_live(request: Request, office: str) -> Response:
    """The live part of the office page alone, fetched again by the page on every update; with
    ``?since=VERSION`` (the version the page holds) a JSON patch of the lines that changed
    (hub/web/patches.py)."""
    session = office_session(request, office)
    dashboard = dashboard_of(request.app)
    known_office(dashboard, session, office)
    response: Response = render(request, "_live.html",
                                live_context(dashboard, office, texts_of(request),
                                             session.principal), 200, session)
    since = request.query_params.get("since")
    if since is not None:
        html = bytes(response.body).decode("utf-8")
        response = JSONResponse(dashboard.patches.answer(html, since))
    response.headers["Cache-Control"] = "no-store"
    return response


__all__ = ["CSRF_FIELD", "router"]
