"""The hub's JSON API (FastAPI): offices, scores, rejected messages, health.

Errors are JSON ``{"error": message, "parameter": name}`` with a 4xx status, never a 500 for a
caller's mistake. Shapes are documented in docs/protocol.md; later versions may add keys, never
rename them.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from hailong import __version__
from hub.live import scores_for
from hub.store import Store, utc
from hub.web.access import api_access, visible

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# A range longer than ten years is a typo, not a question.
MAX_RANGE_DAYS = 3660


class ApiError(Exception):
    def __init__(self, status: int, message: str, parameter: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.parameter = parameter


@dataclass
class HubContext:
    store: Store
    timezone_of: Callable[[str], ZoneInfo]
    mqtt_connected: Callable[[], bool]


def parse_day(value: str | None, parameter: str, default: date) -> date:
    if value is None or value == "":
        return default
    if not _DAY.match(value):
        raise ApiError(400, f"{parameter} must be a date as YYYY-MM-DD, got {value!r}", parameter)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ApiError(400, f"{parameter} is not a real date: {value!r}", parameter) from None


def day_range(request: Request, tz: ZoneInfo) -> tuple[date, date]:
    today = datetime.now(tz).date()
    first = parse_day(request.query_params.get("from"), "from", today)
    last = parse_day(request.query_params.get("to"), "to", first if "from" in request.query_params
                     else today)
    if last < first:
        raise ApiError(400, f"the range is reversed: from {first} is after to {last}", "to")
    if (last - first).days > MAX_RANGE_DAYS:
        raise ApiError(400, f"the range is longer than {MAX_RANGE_DAYS} days", "to")
    return first, last


def rfc3339(moment: datetime | None) -> str | None:
    return utc(moment).isoformat() if moment is not None else None


def create_app(ctx: HubContext) -> FastAPI:
    app = FastAPI(title="hailong hub", version=__version__,
                  description="Scores of the one-stop counters' feedback kiosks (SIPAS scale).",
                  dependencies=[Depends(api_access)])  # tokens and sessions: hub/web/access.py

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse({"error": exc.message, "parameter": exc.parameter},
                            status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        loc = [str(p) for p in first.get("loc", ())]
        parameter = loc[-1] if loc else None
        return JSONResponse({"error": f"{parameter}: {first.get('msg', 'invalid')}",
                             "parameter": parameter}, status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": str(exc.detail), "parameter": None},
                            status_code=exc.status_code)

    def known_office(office: str) -> dict[str, Any]:
        row = ctx.store.office(office)
        if row is None:
            raise ApiError(404, f"no office {office!r} is configured or has been seen", "office")
        return row

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        database = True
        try:
            ctx.store.office_ids()
        except Exception:
            database = False
        ok = database
        return JSONResponse({"status": "ok" if ok else "degraded", "database": database,
                             "mqtt": ctx.mqtt_connected(), "version": __version__},
                            status_code=200 if ok else 503)

    @app.get("/api/v1/offices")
    def offices(request: Request) -> dict[str, Any]:
        return {"offices": [{
            "id": row["id"], "name": row["name"], "province": row["province"],
            "kind": row["kind"], "timezone": row["timezone"] or None,
            "registered": bool(row["registered"]),
        } for row in ctx.store.offices() if visible(request, row["id"])]}

    @app.get("/api/v1/offices/{office}/scores")
    def scores(office: str, request: Request) -> dict[str, Any]:
        known_office(office)
        first, last = day_range(request, ctx.timezone_of(office))
        return scores_for(ctx.store, office, first, last)

    @app.get("/api/v1/rejected")
    def rejected(limit: int = 100, offset: int = 0) -> dict[str, Any]:
        if not 1 <= limit <= 1000:
            raise ApiError(400, "limit must be between 1 and 1000", "limit")
        if offset < 0:
            raise ApiError(400, "offset must not be negative", "offset")
        total, rows = ctx.store.rejected(limit, offset)
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

    return app

