"""The alerts page of an office (``/offices/{office}/alerts``: history with filters, live) and
the forms that acknowledge and close an alert, on it and on the office page.

The forms are plain POSTs answered with a redirect (no script needed); a script may send
``Accept: application/json`` and get the outcome as JSON instead. Heads of the office and
admins handle alerts; a province viewer reads them (hub/web/access.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from hub.admin.accounts import Principal, Session
from hub.i18n import Texts
from hub.store.alert_reads import ALERT_STATES
from hub.store.alerts import NOTE_MAX
from hub.store.moments import utc
from hub.web.access import PageDenied, csrf_ok, office_session
from hub.web.alert_actions import OUTCOMES, Action, Outcome, record, who
from hub.web.context import Dashboard, dashboard_of
from hub.web.render import headings, known_office, render, safe_next, texts_of
from hub.web.views import question_heading

router = APIRouter()
# Alerts the page lists at most: a year of a troubled office; narrower filters reach older ones.
PAGE_ALERTS = 200
# Undelivered notifications listed on the page: the newest few tell the story.
PAGE_TROUBLES = 10


@dataclass(frozen=True, slots=True)
class AlertFilters:
    """The page's filters, read from its query; a bad value is dropped and said so."""

    state: str = "all"
    kind: str = ""
    counter: str = ""
    first: date | None = None
    last: date | None = None
    bad_day: bool = False

    def query(self) -> str:
        values = {"state": self.state if self.state != "all" else "", "kind": self.kind,
                  "counter": self.counter, "from": self.first.isoformat() if self.first else "",
                  "to": self.last.isoformat() if self.last else ""}
        return urlencode({k: v for k, v in values.items() if v})


def _day(value: str | None) -> tuple[date | None, bool]:
    if not value:
        return None, False
    try:
        return date.fromisoformat(value), False
    except ValueError:
        return None, True


def filters_of(request: Request) -> AlertFilters:
    params = request.query_params
    state = params.get("state") or "all"
    first, bad_first = _day(params.get("from"))
    last, bad_last = _day(params.get("to"))
    return AlertFilters(state if state in ALERT_STATES else "all", params.get("kind", "")[:63],
                        params.get("counter", "")[:64], first, last, bad_first or bad_last)


def kind_words(dashboard: Dashboard, texts: Texts, office: dict[str, Any], kind: str) -> str:
    heading = question_heading(kind, dashboard.labels, texts.lang, headings(texts),
                               str(office.get("kind", "admin")))
    return texts.t("alerts.kind", question=heading)


def troubled(notice: dict[str, Any], texts: Texts, principal: Principal) -> dict[str, Any]:
    """A mail or webhook not delivered yet, as the page lists it: a head sees that one is stuck
    and since when, but an address (theirs or an admin's) and the server's words (which often
    quote it) only an admin."""
    notice = {**notice, "next_at": utc(notice["next_at"])}
    if not principal.is_admin:
        notice["recipient"] = texts.t("alerts.notice.someone")
        notice["last_error"] = ""
    return notice


def alerts_context(dashboard: Dashboard, office: dict[str, Any], texts: Texts,
                   principal: Principal, filters: AlertFilters) -> dict[str, Any]:
    office_id = office["id"]
    zone = dashboard.timezone_of(office_id)

    def start(day: date) -> datetime:
        return datetime.combine(day, time(), zone)

    alerts = dashboard.documents.alerts(
        office_id, filters.state, PAGE_ALERTS, counter=filters.counter or None,
        kind=filters.kind or None, since=start(filters.first) if filters.first else None,
        until=start(filters.last + timedelta(days=1)) if filters.last else None)["alerts"]
    facets = dashboard.store.read.alert_facets(office_id)
    return {"alerts": alerts, "zone": zone, "filters": filters, "facets": facets,
            "kinds": {k: kind_words(dashboard, texts, office, k) for k in facets["kinds"]},
            "more": len(alerts) == PAGE_ALERTS, "limit": PAGE_ALERTS,
            "may_handle": not principal.reads_only, "who": lambda e: who(texts, e),
            "troubles": [troubled(n, texts, principal) for n in
                         dashboard.store.read.notify_troubles(office_id, PAGE_TROUBLES)],
            "back": f"/offices/{office_id}/alerts" + (f"?{filters.query()}"
                                                       if filters.query() else ""),
            "fragment": f"/offices/{office_id}/alerts/live" + (f"?{filters.query()}"
                                                                if filters.query() else "")}


def _page(request: Request, office: str, template: str) -> tuple[Response, Session]:
    session = office_session(request, office)
    dashboard = dashboard_of(request.app)
    row = known_office(dashboard, session, office)
    texts = texts_of(request)
    context = alerts_context(dashboard, row, texts, session.principal, filters_of(request))
    done = request.query_params.get("done")
    context.update({"office": row, "done": done if done in OUTCOMES else None,
                    "note_max": NOTE_MAX})
    return render(request, template, context, 200, session), session


@router.get("/offices/{office}/alerts", response_class=HTMLResponse, include_in_schema=False)
def alerts_page(request: Request, office: str) -> Response:
    return _page(request, office, "alerts.html")[0]


@router.get("/offices/{office}/alerts/live", response_class=HTMLResponse,
            include_in_schema=False)
def alerts_live(request: Request, office: str) -> Response:
    """The alerts page's list alone, fetched again on every alert event; with ``?since=`` a
    patch of the lines that changed (hub/web/patches.py), as the office page's live part."""
    response, _session = _page(request, office, "_alerts_live.html")
    since = request.query_params.get("since")
    if since is not None:
        html = bytes(response.body).decode("utf-8")
        response = JSONResponse(dashboard_of(request.app).patches.answer(html, since))
    response.headers["Cache-Control"] = "no-store"
    return response


def with_outcome(back: str, outcome: Outcome, alert_id: int) -> str:
    """``back`` with ``done=outcome`` in its query, scrolled to the alert."""
    parts = urlsplit(back)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "done"] + [("done", outcome)]
    return f"{parts.path}?{urlencode(query)}#alert-{alert_id}"


async def alert_form(request: Request, office: str, alert_id: int, action: Action) -> Response:
    form = await request.form()
    session = await run_in_threadpool(office_session, request, office)
    texts = texts_of(request)
    if not csrf_ok(request, form, session.csrf):
        return HTMLResponse(texts.t("signin.csrf"), 403)
    if session.principal.reads_only:
        raise PageDenied(403, office)
    note = str(form.get("note", "")).strip()
    outcome: Outcome
    if len(note) > NOTE_MAX:
        outcome = "long"
    elif action == "close" and not note:
        outcome = "empty"
    else:
        done = await run_in_threadpool(record, dashboard_of(request.app), session.principal,
                                       office, alert_id, action, note)
        outcome = action if done else "gone"
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"outcome": outcome,
                             "message": texts.t(f"alerts.done.{outcome}", max=NOTE_MAX)},
                            status_code=200 if outcome in ("ack", "close") else 400)
    back = safe_next(str(form.get("next", "")) or f"/offices/{office}/alerts")
    return RedirectResponse(with_outcome(back, outcome, alert_id), 303)


@router.post("/offices/{office}/alerts/{alert_id}/ack", include_in_schema=False)
async def acknowledge(request: Request, office: str, alert_id: int) -> Response:
    return await alert_form(request, office, alert_id, "ack")


@router.post("/offices/{office}/alerts/{alert_id}/close", include_in_schema=False)
async def close(request: Request, office: str, alert_id: int) -> Response:
    return await alert_form(request, office, alert_id, "close")
