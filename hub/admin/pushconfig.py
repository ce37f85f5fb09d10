"""Config the hub pushes to a kiosk: built from the roster and the questionnaire the hub knows.

``kiosk_config`` is pure (roster, kiosk row and catalogue in, the ``config.schema.json``
document out); :class:`ConfigPusher` publishes it retained on the kiosk's ``config`` topic
through the hub's one MQTT client and remembers what it pushed, so that the fleet page can say
"pending" until the kiosk's status reports the same version applied.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from hailong import contract
from hailong.questionnaire import Questionnaire
from hailong.topics import kiosk_topic
from hub.roster import Roster

# The kiosk refuses these in a pushed config (kiosk/pushed.py): identity fixes its topics and
# the receipt key must never travel through the hub. Refusing them here gives a clear 400.
NOT_PUSHABLE = ("office", "id", "receipt_key", "receipt_key_file")
DEFAULT_QUESTIONNAIRE = "sipas@1"
# A pushed config's version starts with the moment it was made, in UTC (then "-" and a hash).
VERSION_TIME = "%Y%m%dT%H%M%SZ"

ConfigState = Literal["applied", "pending", "error"]


def version_time(version: str) -> datetime | None:
    """When a config version was made, read back from its name (None if not one of ours)."""
    try:
        return datetime.strptime(version.split("-", 1)[0], VERSION_TIME).replace(tzinfo=UTC)
    except ValueError:
        return None


class PushError(ValueError):
    """A config that cannot be pushed, with the parameter at fault."""

    def __init__(self, message: str, parameter: str) -> None:
        super().__init__(message)
        self.parameter = parameter


def questionnaire_document(questionnaire: Questionnaire) -> dict[str, Any]:
    """A questionnaire in the shape of its TOML file (what the kiosk's parser reads)."""
    document: dict[str, Any] = questionnaire.model_dump(mode="json", exclude_none=True)
    return document


def office_questionnaire(kiosk_rows: Sequence[Mapping[str, Any]], catalog: Mapping[str, Questionnaire]
                         ) -> str:
    """The questionnaire the office's kiosks report using most, when the hub knows it."""
    used: dict[str, int] = {}
    for row in kiosk_rows:
        ref = row.get("questionnaire")
        if ref and ref in catalog:
            used[ref] = used.get(ref, 0) + 1
    if used:
        return max(sorted(used), key=lambda ref: used[ref])
    return DEFAULT_QUESTIONNAIRE if DEFAULT_QUESTIONNAIRE in catalog else sorted(catalog)[0]


def kiosk_config(office: str, kiosk: str, roster: Roster, kiosk_rows: Sequence[Mapping[str, Any]],
                 catalog: Mapping[str, Questionnaire], now: datetime,
                 overrides: Mapping[str, Any] | None = None,
                 questionnaire: str | None = None) -> dict[str, Any]:
    """The document pushed to one kiosk: its counter, office name and gating from the roster
    (or what it reported), the office's questionnaire, and any ``overrides`` of ``[kiosk]``."""
    row = next((r for r in kiosk_rows if r["kiosk"] == kiosk), None)
    entry = next((k for k in roster.kiosks if k.office == office and k.id == kiosk), None)
    settings: dict[str, Any] = {}
    counter = (entry.counter if entry is not None else "") or (row or {}).get("counter") or ""
    if counter:
        settings["counter"] = counter
    office_entry = roster.office(office)
    if office_entry is not None and office_entry.name:
        settings["office_name"] = office_entry.name
    settings["gating"] = roster.gated(office, kiosk)
    for key, value in (overrides or {}).items():
        if key in NOT_PUSHABLE:
            raise PushError(f"settings.{key} cannot be pushed; set it in the kiosk's own file",
                            "settings")
        settings[key] = value
    ref = questionnaire or office_questionnaire(kiosk_rows, catalog)
    if ref not in catalog:
        raise PushError(f"the hub knows no questionnaire {ref!r} (known: "
                        f"{', '.join(sorted(catalog))})", "questionnaire")
    body = {"settings": settings, "questionnaire": questionnaire_document(catalog[ref])}
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:8]
    document = {"v": 1, "version": f"{now.astimezone(UTC):{VERSION_TIME}}-{digest}", **body}
    contract.validate("config", document)
    return document


def shown_state(reported: Mapping[str, Any] | None, pushed: str | None) -> ConfigState | None:
    """What the fleet page shows: the kiosk's own report, or "pending" while a version the hub
    pushed has not come back in its status yet."""
    version = reported.get("version") if reported else None
    if pushed is not None and version != pushed:
        return "pending"
    if not reported or not reported.get("state"):
        return None
    state = reported["state"]
    return "error" if state == "refused" else "pending" if state == "pending" else "applied"


class ConfigPusher:
    """Publishes pushed configs (retained, QoS 1) and remembers the last version per kiosk."""

    def __init__(self, publish: Callable[[str, bytes, bool], None]) -> None:
        self._publish = publish
        self._pushed: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def push(self, office: str, kiosk: str, document: dict[str, Any]) -> str:
        self._publish(kiosk_topic(office, kiosk, "config"), contract.encode(document), True)
        with self._lock:
            self._pushed[(office, kiosk)] = document["version"]
        return str(document["version"])

    def pushed(self, office: str, kiosk: str) -> str | None:
        with self._lock:
            return self._pushed.get((office, kiosk))
