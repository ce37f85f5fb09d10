"""Server-sent events of an office's live page: today's scores at once, then on every change.

The first event and every later one are ``Documents.scores`` for the office's today, the very
document of ``GET /api/v1/offices/{office}/scores`` (hub/web/api/offices.py).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from hub.web.access import principal_of
from hub.web.context import dashboard_of
from hub.web.params import ApiError
from hub.web.render import may_know, office_row

router = APIRouter()


@router.get("/api/v1/offices/{office}/events", tags=["live"],
            summary="Server-sent events: today's scores of the office, on every change")
async def office_events(request: Request, office: str, brief: bool = False) -> Response:
    """A ``text/event-stream``: an ``event: scores`` at once and after every new rating, whose
    data is the same document as ``GET /api/v1/offices/{office}/scores`` for today. With
    ``brief=true`` every event's data is ``{}``: the names alone, for a page that fetches what
    it shows (the office page)."""
    dashboard = dashboard_of(request.app)
    principal = request.state.principal  # set by the API's access check
    known = await run_in_threadpool(office_row, dashboard, office)
    if known is None and not may_know(office, principal.offices):
        raise ApiError(404, f"no office {office!r} is configured or has been seen", "office")
    first = await run_in_threadpool(dashboard.documents.today_scores, office)

    async def still_allowed() -> bool:
        current = await run_in_threadpool(recheck, request)
        return current is not None and current.may_see(office)

    return StreamingResponse(dashboard.events.stream(office, first, still_allowed, brief),
                             media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


def recheck(request: Request) -> Any:
    """The caller again, without the per-request cache: a long stream outlives sessions."""
    request.scope.get("state", {}).pop("session", None)
    return principal_of(request)
