"""The hub as a whole: its health, the offices it knows, and the messages it refused."""

from __future__ import annotations

import base64
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from hailong import __version__
from hub.scores.documents import rfc3339
from hub.web.access import visible
from hub.web.context import dashboard_of
from hub.web.params import ApiError, check_limit

router = APIRouter()


@router.get("/healthz", summary="Liveness: database and broker connection")
def healthz(request: Request) -> JSONResponse:
    dashboard = dashboard_of(request.app)
    problems = []
    failure = dashboard.database_probe().problem()  # bounded: a hung database is an answer too
    database = failure is None
    if failure is not None:
        problems.append(f"database does not answer: {failure}")
    trouble = dashboard.ingest_trouble()
    if trouble:
        problems.append(f"responses cannot be stored: {trouble}")
    mqtt = dashboard.mqtt_connected()
    if not mqtt:
        problems.append("not connected to the broker")
    ok = database and not trouble
    document: dict[str, Any] = {"status": "ok" if ok else "degraded", "database": database, "mqtt": mqtt,
                "problems": problems, "version": __version__}
    if dashboard.notify_enabled and database:
        # Details only: a mail server that is down delays mails (they wait in the queue and are
        # retried), it does not stop the hub from storing and showing ratings, so the status
        # stays "ok" and a monitor restarting the hub on 503 would only make things worse.
        document["notify"] = dashboard.store.read.notify_summary()
    return JSONResponse(document, status_code=200 if ok else 503)


@router.get("/api/v1/offices", summary="Offices of the roster and every office seen on the wire")
def offices(request: Request) -> dict[str, Any]:
    return {"offices": [{
        "id": row["id"], "name": row["name"], "province": row["province"],
        "kind": row["kind"], "timezone": row["timezone"] or None,
        "registered": bool(row["registered"]), "gating": bool(row["gating"]),
        "first_seen": rfc3339(row["first_seen"]),
    } for row in dashboard_of(request.app).store.read.offices() if visible(request, row["id"])]}


@router.get("/api/v1/rejected", summary="Refused messages with their reasons, newest first")
def rejected(request: Request, limit: int = 100, offset: int = 0) -> dict[str, Any]:
    check_limit(limit)
    if offset < 0:
        raise ApiError(400, "offset must not be negative", "offset")
    total, rows = dashboard_of(request.app).store.read.rejected(limit, offset)
    items = []
    for row in rows:
        item: dict[str, Any] = {"topic": row["topic"], "reason": row["reason"],
                                "received_at": rfc3339(row["received_at"])}
        raw: bytes = row["payload"]
        try:
            item["payload"] = raw.decode("utf-8")
        except UnicodeDecodeError:
            item["payload"] = base64.b64encode(raw).decode("ascii")
            item["payload_encoding"] = "base64"
        if row["truncated"]:
            item["truncated"] = True
        if row["response_id"]:
            item["id"] = row["response_id"]
        items.append(item)
    return {"total": total, "items": items}
