"""Config pushed by the hub on the kiosk's retained ``config`` topic: checked, kept, applied at idle.

A pushed config is ``{"v":1,"version","settings":{[kiosk] keys},"questionnaire":{…}}``. It is
validated exactly like the kiosk's own file (same one-line errors), written to the data folder
so it survives a restart, and handed to the screen loop, which applies it the next time the
idle screen shows. A bad one is refused: the kiosk keeps what it has and reports the reason in
its status's ``config`` object. Identity and secrets cannot be pushed: the office and kiosk ids
fix the kiosk's topics, and the receipt key must never travel through the hub.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hailong import contract
from hailong.questionnaire import Questionnaire, find_questionnaire, parse_questionnaire
from hailong.settings import SettingsError, validate_settings
from kiosk.settings import KioskSettings

log = logging.getLogger(__name__)

NOT_PUSHABLE = ("office", "id", "receipt_key", "receipt_key_file")


@dataclass(frozen=True)
class PushedConfig:
    version: str
    settings: KioskSettings
    questionnaire: Questionnaire
    document: dict[str, Any]


def parse_pushed(payload: bytes, base: KioskSettings) -> PushedConfig:
    """The config in ``payload`` on top of ``base`` (the kiosk's file), or SettingsError."""
    try:
        document = contract.decode_document("config", payload)
    except contract.ContractError as exc:
        raise SettingsError(f"pushed config: {exc.reason}") from None
    version = document["version"]
    source = f"pushed config {version}"
    overrides = document.get("settings") or {}
    refused = sorted(set(overrides) & set(NOT_PUSHABLE))
    if refused:
        raise SettingsError(f"{source}: [kiosk] {refused[0]}: cannot be pushed; set it in the "
                            "kiosk's own file")
    data = base.model_dump()
    data["kiosk"] = {**data["kiosk"], **overrides}
    settings = validate_settings(KioskSettings, data, source)
    if document.get("questionnaire") is not None:
        questionnaire = parse_questionnaire(document["questionnaire"], f"{source}: questionnaire")
    else:
        questionnaire = find_questionnaire(settings.kiosk.questionnaire_name())
    return PushedConfig(version, settings, questionnaire, document)


class ConfigKeeper:
    """Receives pushed configs (from the delivery thread), keeps the latest good one on disk."""

    def __init__(self, base: KioskSettings, path: Path,
                 on_change: Callable[[], None] | None = None) -> None:
        self.base = base
        self.path = path
        self._on_change = on_change
        self._lock = threading.Lock()
        self._pending: PushedConfig | None = None
        self._current: str | None = None
        self._report: dict[str, Any] | None = None

    def load_stored(self) -> PushedConfig | None:
        """The config pushed before the last restart, when it is still valid."""
        if not self.path.exists():
            return None
        try:
            stored = parse_pushed(self.path.read_bytes(), self.base)
        except (SettingsError, OSError) as exc:
            log.warning("ignoring the stored pushed config: %s", exc)
            return None
        with self._lock:
            self._current = stored.version
            self._report = {"version": stored.version, "state": "applied", "error": None}
        return stored

    def received(self, payload: bytes) -> None:
        if not payload:
            return  # the retained config was cleared: keep what we have
        try:
            pushed = parse_pushed(payload, self.base)
        except SettingsError as exc:
            version = _version_of(payload)
            log.warning("refused a pushed config: %s", exc)
            self._set(None, {"version": version, "state": "refused", "error": str(exc)[:500]})
            return
        with self._lock:
            if pushed.version in (self._current, self._pending and self._pending.version):
                return  # the retained copy again, after a reconnect
        self._write(pushed.document)
        self._set(pushed, {"version": pushed.version, "state": "pending", "error": None})

    def _write(self, document: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        with temporary.open("wb") as handle:
            handle.write(contract.encode(document))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)

    def _set(self, pending: PushedConfig | None, report: dict[str, Any]) -> None:
        with self._lock:
            if pending is not None:
                self._pending = pending
            self._report = report
        if self._on_change is not None:
            self._on_change()

    def take_pending(self) -> PushedConfig | None:
        """The config to apply now (the screen is idle), once."""
        with self._lock:
            pending, self._pending = self._pending, None
            if pending is not None:
                self._current = pending.version
                self._report = {"version": pending.version, "state": "applied", "error": None}
        if pending is not None and self._on_change is not None:
            self._on_change()
        return pending

    def status(self) -> dict[str, Any] | None:
        with self._lock:
            return dict(self._report) if self._report else None


def _version_of(payload: bytes) -> str | None:
    try:
        version = json.loads(payload).get("version")
    except (ValueError, AttributeError):
        return None
    return version[:64] if isinstance(version, str) else None
