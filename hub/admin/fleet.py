"""The fleet across offices and pushed kiosk configs, for the admin's API and page alike.

``fleet_document`` is every kiosk the hub knows (registered or only seen on the wire) with the
office's own kiosk document (``Documents.kiosks``) plus what the hub pushed; ``push_kiosk_config``
builds and publishes a kiosk's config. The dashboard's fleet page calls the same two functions.
Both paths are admin-only (``ADMIN_PATHS`` and ``ADMIN_ROUTES`` in hub/web/access.py).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from hub.admin.pushconfig import ConfigPusher, PushError, kiosk_config, shown_state
from hub.roster import Roster
from hub.scores.documents import Documents, rfc3339


class FleetError(Exception):
    def __init__(self, status: int, message: str, parameter: str | None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.parameter = parameter


def fleet_document(documents: Documents, offices: list[str], pusher: ConfigPusher | None
                   ) -> dict[str, Any]:
    kiosks = []
    for office in offices:
        for kiosk in documents.kiosks(office)["kiosks"]:
            pushed = pusher.pushed(office, kiosk["kiosk"]) if pusher is not None else None
            kiosks.append({"office": office, **kiosk, "config_pushed": pushed,
                           "config_shown": shown_state(kiosk["config"], pushed)})
    return {"now": rfc3339(documents.clock()), "kiosks": kiosks}


def push_kiosk_config(documents: Documents, roster: Roster, pusher: ConfigPusher, office: str,
                      kiosk: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the kiosk's config from the roster and publish it retained; the answer document."""
    rows = documents.read.kiosks(office)
    if not any(r["kiosk"] == kiosk for r in rows):
        raise FleetError(404, f"no kiosk {kiosk!r} at {office} is in the roster or has been "
                         "seen", "kiosk")
    body = body or {}
    settings = body.get("settings", {})
    questionnaire = body.get("questionnaire")
    if not isinstance(settings, dict):
        raise FleetError(400, "settings must be an object of [kiosk] keys", "settings")
    if questionnaire is not None and not isinstance(questionnaire, str):
        raise FleetError(400, 'questionnaire must be a reference like "sipas@1"',
                         "questionnaire")
    try:
        document = kiosk_config(office, kiosk, roster, rows, documents.catalog,
                                datetime.now(UTC), settings, questionnaire)
    except PushError as exc:
        raise FleetError(400, str(exc), exc.parameter) from None
    version = pusher.push(office, kiosk, document)
    return {"office": office, "kiosk": kiosk, "version": version, "state": "pending",
            "config": document}


def parse_body(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise FleetError(400, 'the body must be JSON like {"settings": {"counter": "3"}}',
                         "body") from None
    if not isinstance(body, dict) or set(body) - {"settings", "questionnaire"}:
        raise FleetError(400, 'the body may hold only "settings" and "questionnaire"', "body")
    return body

