"""The admin's pages: the fleet with "push config", refused messages, and provinces' rankings.

Every path here starts with one of ``ADMIN_PATHS`` or ``PROVINCE_PATHS`` (hub/web/access.py),
so a head gets 403 on the page as on the API behind it (a province viewer reads its own
provinces' rankings); each page shows the same documents as that API.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from hailong.topics import parse_kiosk_topic
from hub.admin.accounts import Principal
from hub.admin.fleet import FleetError, fleet_document, push_kiosk_config
from hub.admin.pushconfig import version_time
from hub.scores.documents import rfc3339
from hub.store import tables
from hub.store.queries import Reader
from hub.web.access import admin_session, csrf_ok, province_session, session_of
from hub.web.context import dashboard_of
from hub.web.error_pages import page_message
from hub.web.params import KINDS, ApiError, day_range
from hub.web.render import hub_zone, render, texts_of

log = logging.getLogger(__name__)
router = APIRouter()
# Refused messages per page, and how much of each payload the table shows.
REJECTED_PAGE = 50
PAYLOAD_SHOWN = 300


@router.get("/fleet", response_class=HTMLResponse, include_in_schema=False)
def fleet_page(request: Request) -> Response:
    session = admin_session(request)
    dashboard = dashboard_of(request.app)
    fleet = fleet_document(dashboard.documents, dashboard.store.read.office_ids(), dashboard.pusher)
    fleet_names(dashboard.store.read, fleet, dashboard.documents.catalog)
    notice = request.query_params.get("pushed")
    failed = request.query_params.get("failed")
    return render(request, "fleet.html", {"fleet": fleet, "notice": notice, "failed": failed,
                                          "zone": hub_zone(dashboard),
                                          "version_time": version_time}, 200, session)


@router.post("/fleet/{office}/{kiosk}/push", include_in_schema=False)
async def push_config(request: Request, office: str, kiosk: str) -> Response:
    session = await run_in_threadpool(admin_session, request)
    form = await request.form()
    if not csrf_ok(request, form, session.csrf):
        return HTMLResponse(texts_of(request).t("signin.csrf"), 403)
    dashboard = dashboard_of(request.app)
    if dashboard.pusher is None:
        return RedirectResponse("/fleet?" + urlencode({"failed": "the hub is starting"}), 303)
    try:
        answer = await run_in_threadpool(push_kiosk_config, dashboard.documents,
                                         dashboard.roster, dashboard.pusher, office, kiosk)
    except FleetError as exc:
        return RedirectResponse("/fleet?" + urlencode({"failed": exc.message}), 303)
    log.info("config %s pushed to %s/%s by %s", answer["version"], office, kiosk,
             session.principal.name)
    return RedirectResponse("/fleet?" + urlencode({"pushed": f"{office}/{kiosk}"}), 303)


def sender_of(read: Reader, topic: str) -> dict[str, str] | None:
    """Who sent a message, as people name them: the office's name in the roster (its id when
    it has none or is not in the roster) and the kiosk; None for a topic that names no kiosk."""
    parsed = parse_kiosk_topic(topic)
    if parsed is None:
        return None
    office = read.office(parsed.office)
    return {"office": parsed.office, "office_name": str((office or {}).get("name") or ""),
            "kiosk": parsed.kiosk}


def fleet_names(read: Reader, fleet: dict[str, Any], catalog: dict[str, Any]) -> None:
    """The fleet's rows with the names people know: the office's and the counter's from the
    roster, the questionnaire's title (in both languages) instead of its reference."""
    offices = {str(o["id"]): str(o.get("name") or "") for o in read.offices()}
    counters: dict[str, dict[str, str]] = {}
    for kiosk in fleet["kiosks"]:
        office = kiosk["office"]
        if office not in counters:
            counters[office] = read.names(tables.counters, "label", office)
        kiosk["office_name"] = offices.get(office, "")
        kiosk["counter_name"] = counters[office].get(kiosk["counter"] or "", "")
        found = catalog.get(kiosk.get("questionnaire") or "")
        kiosk["questionnaire_title"] = ({"vi": found.title.vi, "en": found.title.en}
                                        if found is not None else None)


@router.get("/rejected", response_class=HTMLResponse, include_in_schema=False)
def rejected_page(request: Request) -> Response:
    session = admin_session(request)
    dashboard = dashboard_of(request.app)
    try:
        offset = max(0, int(request.query_params.get("offset") or 0))
    except ValueError:
        offset = 0
    total, rows = dashboard.store.read.rejected(REJECTED_PAGE, offset)
    items = []
    for row in rows:
        raw: bytes = row["payload"]
        text = raw.decode("utf-8", "replace")
        items.append({"topic": row["topic"], "reason": row["reason"],
                      "sender": sender_of(dashboard.store.read, str(row["topic"])),
                      # SQLite hands back UTC without its zone: made explicit before it is shown
                      "received_at": rfc3339(row["received_at"]), "id": row["response_id"],
                      "payload": text[:PAYLOAD_SHOWN], "cut": len(text) > PAYLOAD_SHOWN
                      or bool(row["truncated"])})
    return render(request, "rejected.html", {
        "items": items, "total": total, "offset": offset, "page": REJECTED_PAGE,
        "zone": hub_zone(dashboard)}, 200, session)


@router.get("/provinces", response_class=HTMLResponse, include_in_schema=False)
def provinces_page(request: Request) -> Response:
    session = province_session(request)
    provinces = visible_provinces(request, session.principal)
    return render(request, "provinces.html", {"provinces": provinces, "ranking": None,
                                              "province": None}, 200, session)


def visible_provinces(request: Request, principal: Principal) -> list[str]:
    """The roster's provinces the caller may read: all for an admin, a viewer's own."""
    return sorted(p for p in dashboard_of(request.app).store.read.provinces()
                  if principal.may_see_province(p))


def ranking_query(request: Request) -> dict[str, str]:
    """The ranking's parameters kept from the page's query (``kind`` included, so an office-kind
    filter added to the API passes straight through)."""
    keep = ("from", "to", "question", "sort", "kind")
    return {k: v for k, v in request.query_params.items() if k in keep and v}


@router.get("/provinces/{province}", response_class=HTMLResponse, include_in_schema=False)
def province_page(request: Request, province: str) -> Response:
    session = province_session(request, province)
    dashboard = dashboard_of(request.app)
    documents = dashboard.documents
    members = dashboard.store.read.offices(province)
    if not members:
        texts = texts_of(request)
        return render(request, "error.html", {"message": texts.t("province.none",
                                                                  province=province)},
                      404, session_of(request))
    query = ranking_query(request)
    sort = query.get("sort", "satisfied")
    try:
        first, last = day_range(request, dashboard.timezone_of(members[0]["id"]))
        if sort not in ("satisfied", "lower"):
            raise ApiError(400, f"sort must be satisfied or lower, got {sort!r}", "sort")
    except ApiError as exc:
        return render(request, "error.html",
                      {"message": page_message(texts_of(request), request, exc)}, 400, session)
    texts = texts_of(request)
    kinds = sorted({str(m["kind"]) for m in members},
                   key=lambda k: (KINDS.index(k) if k in KINDS else len(KINDS), k))
    asked = query.get("kind")
    kind = asked if asked in kinds else kinds[0]
    notice = (texts.t("province.kind_unknown", kind=asked, shown=texts.t(f"province.kind.{kind}"))
              if asked and asked != kind else None)
    query["kind"] = kind  # like with like, always: the API refuses a ranking of mixed kinds
    question = query.get("question", "overall")
    if question not in (documents.questions_of_kind(kind) or [question]):
        question = "overall"
    ranking = documents.ranking(province, first, last, question, documents.min_n, sort,
                                kind=kind)
    return render(request, "provinces.html", {
        "provinces": visible_provinces(request, session.principal), "province": province,
        "ranking": ranking, "query": query, "min_n": documents.min_n, "kinds": kinds,
        "kind": kind, "notice": notice,
        "question_text": (documents.text_of(question) or {}).get(texts.lang, question),
        "kind_urls": {k: f"/provinces/{province}?{urlencode({**query, 'kind': k})}"
                      for k in kinds},
        "sort_urls": {s: f"/provinces/{province}?{urlencode({**query, 'sort': s})}"
                      for s in ("satisfied", "lower")}}, 200, session)
