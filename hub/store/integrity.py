"""Integrity answers (harassment, payments outside the rules) kept apart from the response.

The kiosk tells the citizen that these answers are anonymous; this module makes it true at the
hub: ingest takes them out of the response before anything is stored (the row that holds the
receipt hash, counter, officer and exact time never sees them, nor does the rejected-message
store), and they are kept only as counts per office, day and channel. Pure functions.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import msgspec

from hailong.contract import Response
from hailong.questionnaire import Questionnaire

# Question ids of this prefix are treated as integrity answers even in a questionnaire the hub
# does not know: better to drop an answer from the row than to store one tied to a dossier.
PREFIX = "integrity-"
# What the rejected-message store keeps of a payload that may hold integrity answers but cannot
# be read to take them out.
WITHHELD_PAYLOAD = b"(withheld: this payload may hold integrity answers and could not be read)"


def sensitive_questions(catalog: Mapping[str, Questionnaire]) -> frozenset[str]:
    """Every question id marked ``sensitive`` in any questionnaire the hub knows."""
    return frozenset(q.id for questionnaire in catalog.values() for q in questionnaire.questions
                     if q.sensitive)


def is_sensitive(question: str, sensitive: Iterable[str]) -> bool:
    return question.startswith(PREFIX) or question in sensitive


def _split_answers(answers: Mapping[str, Any], sensitive: frozenset[str]
                   ) -> tuple[dict[str, Any], dict[str, str]]:
    kept: dict[str, Any] = {}
    taken: dict[str, str] = {}
    for question, answer in answers.items():
        if not is_sensitive(question, sensitive):
            kept[question] = answer
        elif isinstance(answer, list) and len(answer) == 1 and isinstance(answer[0], str):
            taken[question] = answer[0]
    return kept, taken


def split(document: dict[str, Any], sensitive: frozenset[str]
          ) -> tuple[dict[str, Any], dict[str, str]]:
    """The response without its integrity answers, and those answers (question → choice)."""
    answers = document.get("answers")
    if not isinstance(answers, dict) or not any(is_sensitive(q, sensitive) for q in answers):
        return document, {}
    kept, taken = _split_answers(answers, sensitive)
    return {**document, "answers": kept}, taken


def split_response(response: Response, sensitive: frozenset[str]
                   ) -> tuple[Response, dict[str, str]]:
    """:func:`split` of a typed response, as the ingest holds it."""
    if not any(is_sensitive(q, sensitive) for q in response.answers):
        return response, {}
    kept, taken = _split_answers(response.answers, sensitive)
    return msgspec.structs.replace(response, answers=kept), taken


def redact(payload: bytes, sensitive: frozenset[str]) -> bytes:
    """A payload as the rejected-message store may keep it: without integrity answers."""
    if PREFIX.encode() not in payload and not any(q.encode() in payload for q in sensitive):
        return payload
    try:
        document = json.loads(payload)
    except (UnicodeDecodeError, ValueError):
        return WITHHELD_PAYLOAD
    if not isinstance(document, dict):
        return WITHHELD_PAYLOAD
    cleaned, _ = split(document, sensitive)
    encoded = json.dumps(cleaned, ensure_ascii=False, separators=(",", ":")).encode()
    if PREFIX.encode() in encoded or any(q.encode() in encoded for q in sensitive):
        return WITHHELD_PAYLOAD  # the ids appear elsewhere (a nested or malformed answers)
    return encoded
