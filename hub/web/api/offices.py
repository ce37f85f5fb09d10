"""The JSON API of one office: scores and breakdowns, the index, channels, aspects, stages,
kiosks, alerts, reasons, flags and dossier counts.

Shapes are documented in docs/api.md; later versions may add keys, never rename them. Every
route takes its office through :data:`hub.web.params.Office` and its documents from
``Documents`` (hub/scores/documents.py), the one builder of every figure the hub shows.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from hub.scores.choices import withhold_integrity, withhold_sensitive_reasons
from hub.scores.documents import withhold_small_officers
from hub.scores.indexes import INDEX_BREAKDOWNS
from hub.store.alert_reads import ALERT_STATES
from hub.web.alert_actions import alert_note, handle_alert
from hub.web.context import dashboard_of
from hub.web.params import (
    ApiError,
    ChannelParam,
    FromDay,
    Office,
    StageParam,
    ToDay,
    channel_of,
    check_limit,
    documents_of,
    is_admin,
    office_range,
    parse_day,
    sees_integrity,
    stage_of,
)

router = APIRouter()
BREAKDOWNS = ("counter", "officer", "question", "day", "week", "month", "channel", "stage")
# A dossier-count upload bigger than this is not a province's daily figures.
MAX_UPLOAD_BYTES = 2 * 1024 * 1024


def parse_dossier_upload(body: bytes, content_type: str, office: str) -> list[tuple[date, int]]:
    """Dossier counts from JSON ``{"counts": {"YYYY-MM-DD": N}}`` or CSV ``day,count`` lines."""
    if len(body) > MAX_UPLOAD_BYTES:
        raise ApiError(413, f"the upload is over {MAX_UPLOAD_BYTES} bytes", "body")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApiError(400, "the upload is not UTF-8 text", "body") from None
    if "csv" in content_type:
        from hub.admin.dossiers import DossierError, parse_dossier_csv

        try:
            rows = parse_dossier_csv(text, default_office=office)
        except DossierError as exc:
            raise ApiError(400, str(exc), "body") from None
        if any(o != office for o, _, _ in rows):
            raise ApiError(400, "the CSV names another office than the URL", "body")
        return [(d, c) for _, d, c in rows]
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ApiError(400, f"the body is not JSON: {exc.msg}", "body") from None
    counts = document.get("counts") if isinstance(document, dict) else None
    if not isinstance(counts, dict) or not counts:
        raise ApiError(400, 'expected {"counts": {"YYYY-MM-DD": number, …}}', "counts")
    parsed = []
    for key, value in counts.items():
        day = parse_day(str(key), "counts", date.min)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 1_000_000:
            raise ApiError(400, f"counts.{key}: expected a whole number of dossiers, got {value!r}",
                           "counts")
        parsed.append((day, value))
    return parsed


@router.get("/api/v1/offices/{office}/scores",
            summary="Scores of an office over a range of days, optionally broken down")
def scores(request: Request, office: Office, from_: FromDay = None, to: ToDay = None,
           by: Annotated[str | None, Query(description="counter, officer, question, day, "
                                           "week, month, channel or stage")] = None,
           channel: ChannelParam = None, stage: StageParam = None) -> dict[str, Any]:
    first, last = office_range(office, request)
    picked, moment = channel_of(request, channel), stage_of(stage)
    if by is None or by == "":
        return documents_of(request).scores(office, first, last, picked, moment)
    if by not in BREAKDOWNS:
        raise ApiError(400, f"by must be one of {', '.join(BREAKDOWNS)}, got {by!r}", "by")
    document = documents_of(request).breakdown(office, first, last, by, picked, moment)
    if by == "officer" and not is_admin(request):
        withhold_small_officers(document)  # heads see officers only above the minimum n
    return document


@router.get("/api/v1/offices/{office}/index",
            summary="The SIPAS index (mean of the five factors) beside the overall question, "
            "the factor indices, means on the 1–5 and 10-point scales, and a hospital's "
            "Ministry of Health figures; per period, channel or stage with by=")
def index(request: Request, office: Office, from_: FromDay = None, to: ToDay = None,
          by: Annotated[str | None, Query(description="day, week, month, channel or "
                                          "stage")] = None,
          channel: ChannelParam = None, stage: StageParam = None) -> dict[str, Any]:
    first, last = office_range(office, request)
    if by == "":
        by = None
    if by is not None and by not in INDEX_BREAKDOWNS:
        raise ApiError(400, f"by must be one of {', '.join(INDEX_BREAKDOWNS)}, got {by!r}", "by")
    return documents_of(request).index(office, first, last, by, channel_of(request, channel),
                                       stage_of(stage))


@router.get("/api/v1/offices/{office}/channels",
            summary="Kiosk and survey channels side by side, differences marked")
def channels(request: Request, office: Office, from_: FromDay = None,
             to: ToDay = None) -> dict[str, Any]:
    first, last = office_range(office, request)
    return documents_of(request).channels(office, first, last)


@router.get("/api/v1/offices/{office}/aspects",
            summary="The three aspects: perceptions (sensitive reasons per 100 ratings and the "
            "integrity questions' prevalence, withheld from heads), satisfaction (factors and "
            "items) and needs (the needs question ranked)")
def aspects(request: Request, office: Office, from_: FromDay = None, to: ToDay = None,
            channel: ChannelParam = None, stage: StageParam = None) -> dict[str, Any]:
    first, last = office_range(office, request)
    document = documents_of(request).aspects(office, first, last, channel_of(request, channel),
                                             stage_of(stage))
    return document if sees_integrity(request) else withhold_integrity(document)


@router.get("/api/v1/offices/{office}/stages",
            summary="Kiosk ratings per stage, and how the dossiers rated at both stages moved "
            "(counts only)")
def stages(request: Request, office: Office, from_: FromDay = None,
           to: ToDay = None) -> dict[str, Any]:
    first, last = office_range(office, request)
    return documents_of(request).stages(office, first, last)


@router.get("/api/v1/offices/{office}/kiosks",
            summary="Health of an office's kiosks and the responses they have not delivered")
def kiosks(request: Request, office: Office) -> dict[str, Any]:
    return documents_of(request).kiosks(office)


@router.get("/api/v1/offices/{office}/alerts", summary="Alerts of an office, newest first, "
            "with who acknowledged and closed them")
def alerts(request: Request, office: Office,
           state: Annotated[str, Query(description="open, acknowledged, closed or all")] = "all",
           limit: Annotated[int, Query(description="at most this many (1-1000)")] = 100
           ) -> dict[str, Any]:
    if state not in ALERT_STATES:
        raise ApiError(400, f"state must be one of {', '.join(ALERT_STATES)}, got {state!r}",
                       "state")
    check_limit(limit)
    return documents_of(request).alerts(office, state, limit)


@router.post("/api/v1/offices/{office}/alerts/{alert_id}/ack",
             summary="Acknowledge an open alert (with an optional note)")
async def acknowledge_alert(alert_id: int, request: Request, office: Office) -> dict[str, Any]:
    note = alert_note(await request.body())
    if not await run_in_threadpool(handle_alert, request, office, alert_id, "ack", note):
        raise ApiError(404, f"no open alert {alert_id} at {office}", "alert_id")
    return {"acknowledged": alert_id}


@router.post("/api/v1/offices/{office}/alerts/{alert_id}/close",
             summary="Close an open alert (with an optional note of what was done)")
async def close_alert(alert_id: int, request: Request, office: Office) -> dict[str, Any]:
    note = alert_note(await request.body())
    if not await run_in_threadpool(handle_alert, request, office, alert_id, "close", note):
        raise ApiError(404, f"no open alert {alert_id} at {office}", "alert_id")
    return {"closed": alert_id}


@router.get("/api/v1/offices/{office}/reasons",
            summary="Reasons chosen after low ratings, ranked, with their share of low ratings")
def reasons(request: Request, office: Office, from_: FromDay = None,
            to: ToDay = None) -> dict[str, Any]:
    first, last = office_range(office, request)
    document = documents_of(request).reasons(office, first, last)
    return document if sees_integrity(request) else withhold_sensitive_reasons(document)


@router.get("/api/v1/offices/{office}/flags",
            summary="Credibility flags: bursts, ratings without a transaction, skewed clocks, "
            "small officer cells")
def flags(request: Request, office: Office, from_: FromDay = None,
          to: ToDay = None) -> dict[str, Any]:
    first, last = office_range(office, request)
    return documents_of(request).flags(office, first, last)


@router.get("/api/v1/offices/{office}/dossiers",
            summary="Dossiers received per day (the response rate's denominator)")
def dossiers(request: Request, office: Office, from_: FromDay = None,
             to: ToDay = None) -> dict[str, Any]:
    first, last = office_range(office, request)
    rows = dashboard_of(request.app).store.read.dossiers(office, first, last)
    return {"office": office, "from": first.isoformat(), "to": last.isoformat(),
            "counts": {row["day"].isoformat(): row["count"] for row in rows}}


@router.put("/api/v1/offices/{office}/dossiers",
            summary='Record dossier counts: JSON {"counts": {"YYYY-MM-DD": N}} or CSV day,count')
async def put_dossiers(request: Request, office: Office) -> dict[str, Any]:
    parsed = parse_dossier_upload(await request.body(),
                                  request.headers.get("content-type", ""), office)
    stored = dashboard_of(request.app).store.set_dossier_counts([(office, d, c) for d, c in parsed])
    return {"office": office, "stored": stored}
