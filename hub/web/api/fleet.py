"""The fleet across offices and pushed kiosk configs (admin: ``ADMIN_PATHS``, ``ADMIN_ROUTES``).

Both routes call hub/admin/fleet.py, as the dashboard's fleet page does.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from hub.admin.fleet import FleetError, fleet_document, parse_body, push_kiosk_config
from hub.web.context import dashboard_of
from hub.web.params import Office

router = APIRouter()


@router.get("/api/v1/fleet", summary="Every kiosk of every office, with health and pushed "
            "config (admin)")
def fleet(request: Request) -> dict[str, Any]:
    dashboard = dashboard_of(request.app)
    return fleet_document(dashboard.documents, dashboard.store.read.office_ids(), dashboard.pusher)


@router.post("/api/v1/offices/{office}/kiosks/{kiosk}/config",
             summary="Push a config to a kiosk, built from the roster (admin)")
async def push_config(kiosk: str, request: Request, office: Office) -> dict[str, Any]:
    dashboard = dashboard_of(request.app)
    if dashboard.pusher is None:
        raise FleetError(503, "the hub is starting", None)
    body = parse_body(await request.body())
    return await run_in_threadpool(push_kiosk_config, dashboard.documents, dashboard.roster,
                                   dashboard.pusher, office, kiosk, body)
