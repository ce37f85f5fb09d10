"""The wire contract v1: the one module that validates messages against ``config/schema/``.

Kiosk and hub both call it, so what a kiosk sends is by construction what the hub accepts.
Validators are compiled once (fastjsonschema) because the hub runs them thousands of times a
second; every failure becomes a :class:`ContractError` whose text a person can act on.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import fastjsonschema

from hailong import resources
from hailong.topics import KioskTopic

VERSION = 1
# The contract caps a response at 16 KiB: a full questionnaire with every reason chosen is
# under 2 KiB, so anything bigger is a bug or abuse, and the cap bounds the hub's memory per batch.
MAX_RESPONSE_BYTES = 16 * 1024
# Rejected payloads are kept for inspection up to this size (64 KiB) and truncated beyond.
MAX_KEPT_PAYLOAD = 64 * 1024
# A submitted_at this far ahead of the hub's clock, or this far behind, means the kiosk's clock
# is wrong: the response is stored, flagged "clock-skew" and counted under the day it arrived
# (docs/protocol.md). The hub's ingest and its alert window both hold to it.
SKEW_FUTURE = timedelta(minutes=10)
SKEW_PAST = timedelta(days=90)

SCHEMAS = ("response", "ack", "status", "config", "scores", "alert", "presence")


class ContractError(ValueError):
    """A message that breaks the contract; ``message_id`` is its id when one could be read."""

    def __init__(self, reason: str, message_id: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message_id = message_id


def load_schema(name: str) -> dict[str, Any]:
    with resources.schema_path(name).open(encoding="utf-8") as handle:
        schema: dict[str, Any] = json.load(handle)
    return schema


@cache
def _validator(name: str) -> Callable[[Any], Any]:
    if name not in SCHEMAS:
        raise KeyError(name)
    return fastjsonschema.compile(load_schema(name))  # type: ignore[no-any-return]


def validate(name: str, document: Any) -> None:
    """Raise ContractError when ``document`` does not match schema ``name``."""
    try:
        _validator(name)(document)
    except fastjsonschema.JsonSchemaValueException as exc:
        message_id = document.get("id") if isinstance(document, dict) else None
        raise ContractError(
            f"{name}: {_readable(exc)}",
            message_id if isinstance(message_id, str) and len(message_id) <= 64 else None,
        ) from None


def _readable(exc: fastjsonschema.JsonSchemaValueException) -> str:
    # fastjsonschema says "data.answers.overall must be ..." : name the field the way our docs do.
    text = str(exc.message)
    return text.replace("data.", "", 1).replace("data ", "message ", 1)


def encode(document: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON, the only encoding on the wire."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def parse_time(value: str) -> datetime:
    """An RFC 3339 timestamp with its offset (the schema has already checked its shape)."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"timestamp without offset: {value}")
    return parsed


def _decode_json(payload: bytes, limit: int | None) -> Any:
    if limit is not None and len(payload) > limit:
        raise ContractError(f"payload of {len(payload)} bytes is over the {limit}-byte limit")
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContractError(f"payload is not UTF-8 ({exc.reason} at byte {exc.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ContractError(f"payload is not JSON: {exc.msg} at line {exc.lineno} column "
                            f"{exc.colno}") from None
    except RecursionError:
        raise ContractError("payload is not JSON: nested too deeply") from None


def decode_response(payload: bytes, topic: KioskTopic) -> dict[str, Any]:
    """A valid Response from ``payload`` received on ``topic``, or ContractError with the reason."""
    document = _decode_json(payload, MAX_RESPONSE_BYTES)
    validate("response", document)
    check_response_semantics(document, topic)
    return document  # type: ignore[no-any-return]


def check_response_semantics(document: dict[str, Any], topic: KioskTopic) -> None:
    """What the schema cannot say: the topic names the sender, and time runs forwards."""
    rid = document["id"]
    if document["office"] != topic.office or document["kiosk"] != topic.kiosk:
        raise ContractError(
            f"office/kiosk in the payload ({document['office']}/{document['kiosk']}) differ from "
            f"the topic ({topic.office}/{topic.kiosk})", rid)
    try:
        started = parse_time(document["started_at"])
        submitted = parse_time(document["submitted_at"])
    except ValueError as exc:
        raise ContractError(f"bad timestamp: {exc}", rid) from None
    if submitted < started:
        raise ContractError("submitted_at is before started_at", rid)


def decode_document(name: str, payload: bytes, limit: int | None = 256 * 1024) -> dict[str, Any]:
    """Decode and validate a message of schema ``name`` (status, ack, config)."""
    document = _decode_json(payload, limit)
    validate(name, document)
    return document  # type: ignore[no-any-return]
