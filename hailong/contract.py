"""The wire contract v1: the one module that validates messages against ``config/schema/``.

Kiosk and hub both call it, so what a kiosk sends is by construction what the hub accepts.
Responses, acks and statuses are parsed once into frozen, typed values (:class:`Response`,
:class:`Ack`, :class:`Status`) by compiled msgspec decoders whose constraints are read from the
schema files, which stay the published contract; other documents are checked by compiled
fastjsonschema validators. Every failure becomes a :class:`ContractError` whose text a person
can act on, worded by the schema validator so that it names the field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache
from typing import Annotated, Any, Literal, TypeVar

import fastjsonschema
import msgspec
from fastjsonschema.draft04 import CodeGeneratorDraft04
from msgspec import UNSET, Meta, Struct, UnsetType

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

_ENCODER = msgspec.json.Encoder()
SCHEMAS = ("response", "ack", "status", "config", "scores", "alert", "presence", "results",
           "link-request", "link", "rated")


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


def encode(document: dict[str, Any] | Struct) -> bytes:
    """Compact UTF-8 JSON, the only encoding on the wire."""
    return _ENCODER.encode(document)


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


def decode_document(name: str, payload: bytes, limit: int | None = 256 * 1024) -> dict[str, Any]:
    """Decode and validate a message of schema ``name`` (config, presence, results) as plain
    JSON."""
    document = _decode_json(payload, limit)
    validate(name, document)
    return document  # type: ignore[no-any-return]


# -- typed messages ------------------------------------------------------------------------
# Each constraint below is read from the schema file, so the schema stays the one home of the
# contract; tests/hailong/test_contract_corpus.py proves on every fixture and thousands of generated
# documents that the typed decoders accept and refuse exactly what the schema validator does.
_DOLLAR = re.compile(r"(?<!\\)\$")
# A JSON Schema "date-time" is what the schema validator's own regex says (fastjsonschema's),
# so the typed decoder and the validator can never disagree on a timestamp's shape.
_DATE_TIME = CodeGeneratorDraft04.FORMAT_REGEXS["date-time"]


def _meta(schema: dict[str, Any], numeric: bool = False) -> Meta:
    """The msgspec constraints of one schema property: its number keywords when ``numeric``,
    else its string, array or object keywords (a schema may give both, each for its own type)."""
    if numeric:
        limits = {"ge": schema.get("minimum"), "le": schema.get("maximum")}
    else:
        pattern = schema.get("pattern")
        if pattern is not None:
            # ECMA's `$` ends the string; Python's also matches before a final newline.
            pattern = _DOLLAR.sub(r"\\Z", pattern)
        elif schema.get("format") == "date-time":
            pattern = _DATE_TIME
        limits = {"min_length": schema.get("minLength", schema.get("minItems")),
                  "max_length": schema.get("maxLength", schema.get(
                      "maxItems", schema.get("maxProperties"))), "pattern": pattern}
    return Meta(**{key: value for key, value in limits.items() if value is not None})


_R = load_schema("response")["properties"]
_RECEIPT = _R["receipt"]["properties"]
_ANSWER = _R["answers"]["additionalProperties"]
_S = load_schema("status")["properties"]

# Extension points: a new trigger, question type or answer form is one line here (and in the
# schema, which the corpus test holds these to).
Trigger = Literal["scan", "officer", "tap", "web"]  # web: the hub's mobile questionnaire
Lang = Literal["vi", "en"]
Stage = Literal["receive", "result"]  # the moment of the dossier rated; optional
Rating = Annotated[int, _meta(_ANSWER, numeric=True)]
Choices = Annotated[list[Annotated[str, _meta(_ANSWER["items"])]], _meta(_ANSWER)]
Answer = Rating | Choices
QuestionId = Annotated[str, _meta(_R["answers"]["propertyNames"])]
Timestamp = Annotated[str, _meta(_R["submitted_at"])]
# ``"const": 1``, as a range rather than Literal[1] so that 1.0 (the integer 1 to JSON Schema)
# converts like any other integer.
Version = Annotated[int, Meta(ge=_R["v"]["const"], le=_R["v"]["const"])]


class Receipt(Struct, frozen=True, forbid_unknown_fields=True):
    """The scanned dossier code, never in clear: its keyed hash, unit and date."""

    h: Annotated[str, _meta(_RECEIPT["h"])]
    unit: Annotated[str, _meta(_RECEIPT["unit"])] | None
    date: Annotated[str, _meta(_RECEIPT["date"])] | None


class Response(Struct, frozen=True, forbid_unknown_fields=True):
    """One citizen's rating as the kiosk sent it (config/schema/response.schema.json)."""

    v: Version
    id: Annotated[str, _meta(_R["id"])]
    seq: Annotated[int, _meta(_R["seq"], numeric=True)]
    office: Annotated[str, _meta(_R["office"])]
    kiosk: Annotated[str, _meta(_R["kiosk"])]
    counter: Annotated[str, _meta(_R["counter"])]
    officer: Annotated[str, _meta(_R["officer"])] | None
    receipt: Receipt | None
    trigger: Trigger
    questionnaire: Annotated[str, _meta(_R["questionnaire"])]
    lang: Lang
    started_at: Timestamp
    submitted_at: Timestamp
    complete: bool
    answers: Annotated[dict[QuestionId, Answer], _meta(_R["answers"])]
    # Optional fields go after the required ones, with a default of UNSET (absent on the wire).
    stage: Stage | UnsetType = UNSET

    def __post_init__(self) -> None:
        # The one schema keyword msgspec has no constraint for: a choice listed twice.
        for answer in self.answers.values():
            if type(answer) is list and len(set(answer)) != len(answer):
                raise ValueError("a choice answer lists a choice twice")


class AckRejection(Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    reason: str


class Ack(Struct, frozen=True, forbid_unknown_fields=True):
    """The hub's answer to a kiosk (config/schema/ack.schema.json)."""

    v: Version
    ids: list[str]
    rejected: list[AckRejection]


class StatusConfig(Struct, frozen=True):
    """A pushed config's fate as a kiosk reports it; other keys are allowed and ignored."""

    version: str | UnsetType | None = UNSET
    state: Literal["applied", "pending", "refused"] | UnsetType = UNSET
    error: str | UnsetType | None = UNSET


class Status(Struct, frozen=True, forbid_unknown_fields=True):
    """A kiosk's retained status (config/schema/status.schema.json)."""

    v: Version
    state: Literal["online", "offline"]
    version: Annotated[str, _meta(_S["version"])]
    since: Timestamp
    now: Timestamp
    seq: Annotated[int, _meta(_S["seq"], numeric=True)]
    outbox: Annotated[int, _meta(_S["outbox"], numeric=True)]
    outbox_oldest: Timestamp | None
    scanner: Literal["ok", "absent", "error"]
    questionnaire: Annotated[str, _meta(_S["questionnaire"])]
    config: StatusConfig | UnsetType | None = UNSET
    storage: Literal["full", "error"] | UnsetType = UNSET  # only while the kiosk is paused


T = TypeVar("T", bound=Struct)
_DECODERS: dict[type[Any], Any] = {kind: msgspec.json.Decoder(kind)
                                   for kind in (Response, Ack, Status)}
# Types with objects open to other keys, whose values msgspec skips without checking their
# UTF-8: the whole payload is checked first, as the schema path does.
_OPEN = {Status}


def _decode_strictly(kind: type[T], payload: bytes) -> T:
    """The fast path: bytes to a typed value in one compiled pass, or MsgspecError."""
    if kind in _OPEN:
        try:
            payload.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise msgspec.DecodeError(str(exc)) from None
    return _DECODERS[kind].decode(payload)  # type: ignore[no-any-return]


def _decode_typed(name: str, kind: type[T], payload: bytes, limit: int | None) -> T:
    if limit is not None and len(payload) > limit:
        raise ContractError(f"payload of {len(payload)} bytes is over the {limit}-byte limit")
    try:
        return _decode_strictly(kind, payload)
    except msgspec.MsgspecError as exc:
        refusal = exc
    # Refused (rare): the schema validator words the reason, naming the field as our docs do.
    # When it accepts instead, the payload used what JSON allows but the strict decoder does
    # not take: an integer written 1.0, a lone surrogate escape, or a key given twice whose
    # first value was wrong; the parsed document is then converted (1.0 becoming 1).
    document = _decode_json(payload, limit)
    validate(name, document)
    try:
        return msgspec.convert(document, kind, strict=False)
    except msgspec.ValidationError:
        raise ContractError(f"{name}: {refusal}") from None


def decode_response(payload: bytes, topic: KioskTopic | None = None) -> Response:
    """A valid Response from ``payload`` received on ``topic`` (None: about to be sent), or
    ContractError with the reason."""
    response = _decode_typed("response", Response, payload, MAX_RESPONSE_BYTES)
    check_response_semantics(response, topic)
    return response


def decode_ack(payload: bytes) -> Ack:
    return _decode_typed("ack", Ack, payload, 256 * 1024)


def decode_status(payload: bytes, limit: int = 16 * 1024) -> Status:
    return _decode_typed("status", Status, payload, limit)


def check_response_semantics(response: Response, topic: KioskTopic | None) -> None:
    """What the schema cannot say: the topic names the sender, and time runs forwards."""
    rid = response.id
    if topic is not None and (response.office != topic.office or response.kiosk != topic.kiosk):
        raise ContractError(
            f"office/kiosk in the payload ({response.office}/{response.kiosk}) differ from "
            f"the topic ({topic.office}/{topic.kiosk})", rid)
    try:
        started = parse_time(response.started_at)
        submitted = parse_time(response.submitted_at)
    except ValueError as exc:
        raise ContractError(f"bad timestamp: {exc}", rid) from None
    if submitted < started:
        raise ContractError("submitted_at is before started_at", rid)


# -- the web channel's link messages (docs/web-channel.md) -----------------------------------
LinkError = Literal["already-rated", "refused"]
_LINK_MESSAGE_LIMIT = 8 * 1024  # a few hundred bytes each; anything bigger is not ours


class LinkRequest(Struct, frozen=True, forbid_unknown_fields=True):
    """A kiosk asks the hub for a signed web link (config/schema/link-request.schema.json)."""

    v: Version
    request: str
    counter: str
    h: str
    stage: Stage | UnsetType = UNSET


class Link(Struct, frozen=True, forbid_unknown_fields=True):
    """The hub's answer to a link request: a URL and its expiry, or an error and its reason."""

    v: Version
    request: str
    url: str | UnsetType = UNSET
    expires: str | UnsetType = UNSET
    error: LinkError | UnsetType = UNSET
    reason: str | UnsetType = UNSET


class Rated(Struct, frozen=True, forbid_unknown_fields=True):
    """A dossier just rated on the web channel, for the office's kiosks (rated.schema.json)."""

    v: Version
    h: str
    stage: Stage | UnsetType = UNSET


def _decode_checked(name: str, kind: type[T], payload: bytes) -> T:
    """Small, rare messages: the schema validator decides and words the reason."""
    document = _decode_json(payload, _LINK_MESSAGE_LIMIT)
    validate(name, document)
    return msgspec.convert(document, kind, strict=False)


def decode_link_request(payload: bytes) -> LinkRequest:
    return _decode_checked("link-request", LinkRequest, payload)


def decode_link(payload: bytes) -> Link:
    return _decode_checked("link", Link, payload)


def decode_rated(payload: bytes) -> Rated:
    return _decode_checked("rated", Rated, payload)


def _checked(name: str, document: dict[str, Any], stage: str | None = None) -> bytes:
    """``document`` (with its optional ``stage`` when given), checked against its schema."""
    if stage is not None:
        document["stage"] = stage
    validate(name, document)
    return encode(document)


def link_request_message(request: str, counter: str, h: str, stage: str | None) -> bytes:
    """What a kiosk publishes on its ``link-request`` topic."""
    return _checked("link-request", {"v": VERSION, "request": request, "counter": counter,
                                     "h": h}, stage)


def link_message(request: str, url: str, expires: datetime) -> bytes:
    """The hub's answer carrying a link."""
    return _checked("link", {"v": VERSION, "request": request, "url": url,
                             "expires": expires.isoformat(timespec="seconds")})


def link_error_message(request: str, error: LinkError, reason: str) -> bytes:
    """The hub's answer refusing a link: ``already-rated`` or ``refused``, with the reason."""
    return _checked("link", {"v": VERSION, "request": request, "error": error,
                             "reason": reason[:500]})


def rated_message(h: str, stage: str | None) -> bytes:
    """What the hub publishes on an office's ``rated`` topic after storing a web rating."""
    return _checked("rated", {"v": VERSION, "h": h}, stage)
