"""Saving an action: the one path the API and the pages share, so both check the same rules,
stamp who did it, and tell the kiosks and the public page when an action is done."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from hub.scores.action_documents import action_document
from hub.scores.actions import ActionError, parse_action
from hub.scores.documents import Documents
from hub.store import Store

log = logging.getLogger(__name__)


def save_action(store: Store, documents: Documents, office: str, fields: Mapping[str, Any],
                who: str, action_id: int | None = None,
                done: Callable[[str], None] = lambda _office: None) -> dict[str, Any]:
    """Add an action (``action_id`` None) or change one; the action as the API gives it.
    Raises :class:`ActionError` for a field that is wrong and LookupError for an action the
    office does not have. ``done`` is called with the office when an action becomes done."""
    refs = documents.action_refs(office)
    now = documents.clock()  # the clock every document of this hub is built with
    if action_id is None:
        values = parse_action(fields, refs)
        action_id = store.add_action(office, values, who, now)
        was = None
    else:
        row = store.read.action(office, action_id)
        if row is None:
            raise LookupError(f"no action {action_id} at {office}")
        was = row["status"]
        current = {**row, "due": row["due"].isoformat()}
        values = parse_action(fields, refs, current)
        store.update_action(office, action_id, values, who, now)
    saved = store.read.action(office, action_id)
    assert saved is not None
    log.info("action %d of %s saved by %s (%s)", action_id, office, who, saved["status"])
    if saved["status"] == "done" or was == "done":
        done(office)  # what citizens are told changes
    return action_document(saved)


__all__ = ["ActionError", "save_action"]
