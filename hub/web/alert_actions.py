"""Acknowledging and closing an alert, the one way the API and the pages both use: recorded
with who and a note, then told to every open page of the office at once (SSE)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import Request

from hub.admin.accounts import Principal
from hub.i18n import Texts
from hub.store.alerts import NOTE_MAX, Actor
from hub.web.context import Dashboard, dashboard_of
from hub.web.params import ApiError

Action = Literal["ack", "close"]
# The outcomes a form's redirect reports (``?done=``), each a message of the catalogue.
Outcome = Literal["ack", "close", "empty", "gone", "long"]
OUTCOMES = ("ack", "close", "empty", "gone", "long")


def who(texts: Texts, event: dict[str, Any]) -> str:
    """Who handled an alert, as a page names them: a user by name, a token as an application."""
    return (texts.t("alerts.by_token", name=event["by"]) if event["by_kind"] == "token"
            else str(event["by"]))


def alert_note(body: bytes) -> str:
    """The note of an API call: an empty body, or JSON ``{"note": "…"}``."""
    if not body:
        return ""
    try:
        document: Any = json.loads(body)
    except ValueError:
        raise ApiError(400, 'the body must be JSON like {"note": "…"}', "note") from None
    if not isinstance(document, dict) or not isinstance(document.get("note", ""), str):
        raise ApiError(400, 'the body must be JSON like {"note": "…"}', "note")
    note = str(document.get("note", "")).strip()
    if len(note) > NOTE_MAX:
        raise ApiError(400, f"the note is over {NOTE_MAX} characters", "note")
    return note


def record(dashboard: Dashboard, principal: Principal, office: str, alert_id: int,
           action: Action, note: str) -> bool:
    """Acknowledge or close; False when the office has no such open alert."""
    actor = Actor(principal.name, principal.kind)
    now = datetime.now(UTC)
    store = dashboard.store
    done = (store.acknowledge_alert(office, alert_id, now, note, actor) if action == "ack"
            else store.close_alert(office, alert_id, now, note, actor))
    if done:  # every open page of the office shows it at once
        dashboard.events.publish_alert(office, dashboard.documents.alert(alert_id))
    return done


def handle_alert(request: Request, office: str, alert_id: int, action: Action,
                 note: str) -> bool:
    """An API call's :func:`record`, by the caller hub/web/access.py let through."""
    principal: Principal = request.state.principal
    return record(dashboard_of(request.app), principal, office, alert_id, action, note)
