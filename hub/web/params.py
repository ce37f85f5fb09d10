"""What an API request asks, checked once for every route: its office, days, range and channel.

Errors are JSON ``{"error": message, "parameter": name}`` with a 4xx status (:class:`ApiError`
and the handlers below), never a 500 for a caller's mistake. Every office route resolves its
office through :func:`office_of`; who may see which office is hub/web/access.py's to say.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, cast
from zoneinfo import ZoneInfo

from fastapi import Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from hailong.settings import check_id
from hub.admin.survey_imports import declared_channels
from hub.scores.documents import Documents
from hub.scores.stage_documents import STAGE_KEYS, stage_filter
from hub.store.queries import StageFilter
from hub.store.tables import WEB_CHANNELS
from hub.web.context import dashboard_of

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# A range longer than ten years is a typo, not a question.
MAX_RANGE_DAYS = 3660
KINDS = ("admin", "hospital", "school")


class ApiError(Exception):
    def __init__(self, status: int, message: str, parameter: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.parameter = parameter


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


FromDay = Annotated[str | None, Query(alias="from", description="First day, YYYY-MM-DD, in the "
                                      "office's time zone (default today)")]
ChannelParam = Annotated[str | None, Query(description="kiosk (default), a survey channel "
                                           "(paper, phone, postal, web …) or all")]
StageParam = Annotated[str | None, Query(description="receive, result, unknown (responses that "
                                         "name no stage) or all (default)")]
ToDay = Annotated[str | None, Query(alias="to", description="Last day, YYYY-MM-DD (default: "
                                    "`from`, or today)")]


def office_of(office: str, request: Request) -> str:
    """The office of the path, known (configured or seen on the wire); the access check of
    hub/web/access.py has already refused an office the caller may not see."""
    try:
        check_id(office)
    except ValueError:
        raise ApiError(404, f"{office!r} is not an office id", "office") from None
    if dashboard_of(request.app).store.read.office(office) is None:
        raise ApiError(404, f"no office {office!r} is configured or has been seen", "office")
    return office


# The dependency of every route with an ``{office}`` in its path.
Office = Annotated[str, Depends(office_of)]


def documents_of(request: Request) -> Documents:
    return dashboard_of(request.app).documents


def office_range(office: str, request: Request) -> tuple[date, date]:
    return day_range(request, dashboard_of(request.app).timezone_of(office))


def channel_of(request: Request, value: str | None) -> str | None:
    """The ``channel`` parameter: kiosk by default, ``all`` (None) for every channel pooled."""
    if value is None or value == "":
        return "kiosk"
    known = list(dict.fromkeys(["kiosk", *WEB_CHANNELS,
                                *declared_channels(dashboard_of(request.app).survey_channels)]))
    if value == "all":
        return None
    if value not in known:
        raise ApiError(400, f"channel must be all or one of {', '.join(known)}, got "
                       f"{value!r}", "channel")
    return value


def stage_of(value: str | None) -> StageFilter:
    """The ``stage`` parameter: every response by default (``all``), or one stage."""
    label = value or "all"
    if label not in ("all", *STAGE_KEYS):
        raise ApiError(400, f"stage must be all or one of {', '.join(STAGE_KEYS)}, got "
                       f"{value!r}", "stage")
    return stage_filter(label)


def is_admin(request: Request) -> bool:
    """Whether the caller (checked by hub/web/access.py) is an admin: heads see less."""
    principal = getattr(request.state, "principal", None)
    return principal is not None and bool(principal.is_admin)


def sees_integrity(request: Request) -> bool:
    """Whether the caller may see the integrity figures and sensitive reasons: an admin or a
    province viewer, never the head of the office concerned."""
    principal = getattr(request.state, "principal", None)
    return principal is not None and bool(principal.sees_integrity)


def check_limit(limit: int) -> None:
    if not 1 <= limit <= 1000:
        raise ApiError(400, "limit must be between 1 and 1000", "limit")


# -- the app's error handlers (installed by hub/web/install.py) --------------------------------
async def api_error(_request: Request, exc: Exception) -> Response:
    """An :class:`ApiError`, or an error of the same shape from below (the admin's FleetError)."""
    assert isinstance(exc, ApiError) or hasattr(exc, "parameter")
    exc = cast(ApiError, exc)
    return JSONResponse({"error": exc.message, "parameter": exc.parameter},
                        status_code=exc.status)


async def validation_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {}
    loc = [str(p) for p in first.get("loc", ())]
    parameter = loc[-1] if loc else None
    return JSONResponse({"error": f"{parameter}: {first.get('msg', 'invalid')}",
                         "parameter": parameter}, status_code=400)


async def http_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    return JSONResponse({"error": str(exc.detail), "parameter": None},
                        status_code=exc.status_code)
