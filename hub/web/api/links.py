"""``POST /api/v1/links``: a signed phone link for a dossier, for the province's one-stop
software to print as a QR on its own receipt (an admin, or a ``linker`` token of that office).

Body ``{"office", "counter", "stage", "h"}`` (``stage`` may be omitted or null), answer
``{"url", "expires"}``; a dossier already rated at that stage gets 409. docs/web-channel.md
shows how the software computes ``h``.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from hailong.weblinks import LinkRefusal
from hub.admin.accounts import Principal
from hub.web.access import AccessDenied
from hub.web.context import dashboard_of
from hub.web.params import ApiError

router = APIRouter()
FIELDS = ("office", "counter", "stage", "h")


def _body(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ApiError(400, "the body must be JSON: {\"office\", \"counter\", \"stage\", \"h\"}",
                       None) from None
    if not isinstance(body, dict):
        raise ApiError(400, "the body must be a JSON object", None)
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise ApiError(400, f"unknown field {unknown[0]!r}: give office, counter, stage, h",
                       unknown[0])
    for name in ("office", "counter", "h"):
        if not isinstance(body.get(name), str):
            raise ApiError(400, f"{name} is required (a string)", name)
    if body.get("stage") is not None and not isinstance(body["stage"], str):
        raise ApiError(400, "stage must be receive, result, or left out", "stage")
    return body


@router.post("/api/v1/links", summary="A signed phone link for a dossier (admin or linker)")
async def create_link(request: Request) -> dict[str, Any]:
    principal: Principal = request.state.principal
    if not (principal.is_admin or principal.role == "linker"):
        raise AccessDenied(403, "only an admin or a linker token makes links", None)
    body = _body(await request.body())
    office = body["office"]
    if not (principal.is_admin or (principal.role == "linker" and principal.may_see(office))):
        raise AccessDenied(403, f"{principal.kind} {principal.name!r} may not make links for "
                           f"office {office!r}", "office")
    web = dashboard_of(request.app).web
    if web is None:
        raise ApiError(503, "the web channel is not set up", None)
    try:
        issued = await run_in_threadpool(web.issue, office, body["counter"], body.get("stage"),
                                         body["h"])
    except LinkRefusal as exc:
        status = 409 if exc.error == "already-rated" else 422
        raise ApiError(status, exc.reason, None) from None
    return {"url": issued.url, "expires": issued.expires.isoformat(timespec="seconds")}
