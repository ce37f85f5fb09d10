"""The JSON API of an office's plan of actions: list, add, change (docs/api.md).

Heads change their own offices' actions, admins any; a province viewer reads them (its writes
are refused by hub/web/access.py before a handler runs).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from hub.admin.actions import ActionError, save_action
from hub.web.context import dashboard_of
from hub.web.params import ApiError, Office

router = APIRouter()
# An action is a few paragraphs: a body larger than this is not one.
MAX_BODY = 64 * 1024


async def json_body(request: Request) -> dict[str, Any]:
    body = await request.body()
    if len(body) > MAX_BODY:
        raise ApiError(413, f"the body is over {MAX_BODY} bytes", "body")
    try:
        document = json.loads(body or b"{}")
    except ValueError:
        raise ApiError(400, "the body must be a JSON object of the action's fields",
                       "body") from None
    if not isinstance(document, dict):
        raise ApiError(400, "the body must be a JSON object of the action's fields", "body")
    return document


def who(request: Request) -> str:
    return str(request.state.principal.name)


@router.get("/api/v1/offices/{office}/actions",
            summary="The office's plan of actions, the soonest due first")
def list_actions(request: Request, office: Office) -> dict[str, Any]:
    return dashboard_of(request.app).documents.actions(office)


async def _save(request: Request, office: str, action_id: int | None) -> dict[str, Any]:
    fields = await json_body(request)
    dashboard = dashboard_of(request.app)
    try:
        return await run_in_threadpool(save_action, dashboard.store, dashboard.documents,
                                       office, fields, who(request), action_id,
                                       dashboard.action_done)
    except ActionError as exc:
        raise ApiError(400, exc.message, exc.field) from None
    except LookupError as exc:
        raise ApiError(404, str(exc), "action_id") from None


@router.post("/api/v1/offices/{office}/actions", status_code=201,
             summary="Add an action: problem_kind (reason, factor or alert), problem_ref, "
             "problem, measure, responsible, due (YYYY-MM-DD), status, result")
async def add_action(request: Request, office: Office) -> dict[str, Any]:
    return await _save(request, office, None)


@router.patch("/api/v1/offices/{office}/actions/{action_id}",
              summary="Change an action: any of its fields (status: planned, in_progress, done, "
              "dropped)")
async def change_action(action_id: int, request: Request, office: Office) -> dict[str, Any]:
    return await _save(request, office, action_id)
