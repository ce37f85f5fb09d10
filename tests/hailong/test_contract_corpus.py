"""The typed decoders accept and refuse exactly what the published JSON Schemas do.

One corpus for both: every fixture the tests build (kiosk, hub, the protocol's example, a
response answering every question of every bundled questionnaire), the hub's fuzz cases, and a
few thousand documents generated from them by replacing, dropping and adding fields. For each,
the schema validator (fastjsonschema on ``json.loads``) and the typed decoder must agree, and a
refusal's reason must name the field.
"""

from __future__ import annotations

import json
import math
import random
import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import msgspec
import pytest

from hailong import contract
from hailong.questionnaire import load_catalog
from hailong.topics import KioskTopic
from tests.support import REPO, hubdata
from tests.support.kiosk import kiosk_made

LIMITS = {"response": contract.MAX_RESPONSE_BYTES, "status": 16 * 1024, "ack": 256 * 1024}
KINDS: dict[str, type[Any]] = {"response": contract.Response, "status": contract.Status,
                               "ack": contract.Ack}

# Values tried in every field: each type JSON has, and the edges of the schemas' keywords.
POOL: list[Any] = [
    None, True, False, 0, 1, 1.0, 3.0, 2.5, 5, 6, -1, 2**53 - 1, 2**53, 2**64, 10**30,
    math.nan, math.inf, "", "a", "A", "x" * 64, "x" * 65, "x" * 101, "a\n", "k01\n", "ab$",
    "00000000-0000-4000-8000-000000000000", "0000000A-0000-4000-8000-000000000000",
    "2026-11-23T09:30:00+07:00", "2026-11-23T09:30:00.123456Z", "2026-11-23T09:30:00",
    "2026-11-23 09:30:00Z", "2026-02-30T00:00:00Z", "2026-11-23T23:59:60Z",
    "2026-11-23t09:30:00z", "2026-11-23T09:30:00+0700", "2026-11-23T09:30:00+07:00\n",
    "\ud800", "scan", "officer", "vi", "en", "online", "offline", "ok", "applied", "sipas@1",
    "sipas@", "Sipas@1", "a" * 64, "A" * 64, "2022-09-14", "2022-9-14", [], ["a"], ["a", "a"],
    ["a"] * 33, [f"c{i}" for i in range(33)], ["wait", "A+b_c-d"], ["-x"], [1], [None], {},
    {"h": "a" * 64, "unit": None, "date": None}, {"h": "a" * 64}, {"version": "7"},
    {"state": None}, {"id": "x", "reason": "y"},
]
ANSWER_KEYS = ["Overall", "", "a b", "a" * 63, "a" * 64, "x-1_y", "_x", "\u00e9"]


def protocol_example() -> dict[str, Any]:
    text = (REPO / "docs" / "protocol.md").read_text(encoding="utf-8")
    block = text.split("Example:", 1)[1].split("```json", 1)[1].split("```", 1)[0]
    return json.loads(block)  # type: ignore[no-any-return]


def every_question_answered() -> Iterator[dict[str, Any]]:
    for ref, questionnaire in load_catalog().items():
        answers: dict[str, Any] = {}
        for index, question in enumerate(questionnaire.questions):
            if question.is_rating:
                answers[question.id] = index % 5 + 1
            else:
                ids = [choice.id for choice in question.choices]
                answers[question.id] = ids[: question.max_choices or len(ids)]
        yield hubdata.response(questionnaire=ref, answers=answers)


def seeds() -> dict[str, list[dict[str, Any]]]:
    receipt = {"h": "b" * 64, "unit": "H21.65", "date": "2022-09-14"}
    example = protocol_example()
    return {
        "response": [
            kiosk_made(), hubdata.response(), example, {**example, "receipt": receipt},
            hubdata.response(officer="cb-017", receipt=receipt, complete=False,
                             trigger="officer", answers={}),
            hubdata.response(answers={"overall": 5, "reasons": [], "visits": ["3+"]}),
            *every_question_answered()],
        "status": [
            hubdata.status(), hubdata.status(state="offline", oldest=hubdata.NOW),
            {**hubdata.status(), "config": {"version": "7", "state": "refused", "error": "x"}},
            {**hubdata.status(), "config": None},
            {**hubdata.status(), "config": {"version": None, "other": 1}},
            {**hubdata.status(), "storage": "full"}, {**hubdata.status(), "storage": "error"}],
        "ack": [{"v": 1, "ids": [], "rejected": []},
                {"v": 1, "ids": [str(uuid.uuid4())], "rejected": [{"id": "x", "reason": "y"}]}],
    }


def paths(document: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a document a value sits: keys of objects and indexes of arrays."""
    items = document.items() if isinstance(document, dict) else \
        enumerate(document) if isinstance(document, list) else ()
    for key, value in items:
        yield (*prefix, key)
        yield from paths(value, (*prefix, key))


def replaced(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    copy = json.loads(json.dumps(document))
    target = copy
    for key in path[:-1]:
        target = target[key]
    if value is _DROP:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return copy


_DROP = object()


def mutations(document: dict[str, Any], rng: random.Random) -> Iterator[Any]:
    """Each value replaced by each of the pool's, each key dropped, keys added; then random
    combinations of those."""
    places = list(paths(document))
    for path in places:
        for value in [*POOL, _DROP]:
            yield replaced(document, path, value)
    for path in [(), *[p for p in places if isinstance(p[-1], str)]]:
        parent = path[:-1] if path else ()
        yield replaced(document, (*parent, "extra"), 1)
    if "answers" in document:
        for key in ANSWER_KEYS:
            yield replaced(document, ("answers", key), 3)
        yield replaced(document, ("answers",), {f"q{i}": 1 for i in range(65)})
        yield replaced(document, ("answers",), {f"q{i}": 1 for i in range(64)})
    for _ in range(300):
        mutated: Any = document
        for _ in range(rng.randint(2, 3)):
            places = list(paths(mutated)) if isinstance(mutated, dict) else []
            if not places:
                break
            mutated = replaced(mutated, rng.choice(places), rng.choice([*POOL, _DROP]))
        yield mutated


def encodings(document: Any, rng: random.Random) -> Iterator[bytes]:
    text = json.dumps(document, ensure_ascii=rng.random() < 0.5)
    yield text.encode("utf-8", "surrogatepass")
    if rng.random() < 0.05 and isinstance(document, dict) and document:
        key = rng.choice(list(document))  # a key given twice: the last one counts
        yield f'{{"{key}":0,{text[1:]}'.encode("utf-8", "surrogatepass")
        yield f'{text[:-1]},"{key}":0}}'.encode("utf-8", "surrogatepass")


def corpus(name: str) -> Iterator[bytes]:
    rng = random.Random(17)
    for seed in seeds()[name]:
        yield from encodings(seed, rng)
        for mutated in mutations(seed, rng):
            yield from encodings(mutated, rng)
    if name == "response":
        yield from (payload for payload, _ in hubdata.bad_payloads(random.Random(5), 320))
        yield from (b"", b"null", b"[]", b"\xef\xbb\xbf{}", b'{"v":1}x', b"\xff")


def verdict(decode: Callable[[], Any]) -> str | None:
    """None when accepted, else the reason."""
    try:
        decode()
    except contract.ContractError as exc:
        return exc.reason
    return None


def by_schema(name: str, payload: bytes) -> str | None:
    def check() -> None:
        contract.validate(name, contract._decode_json(payload, LIMITS[name]))
    return verdict(check)


def strictly_typed(name: str, payload: bytes) -> bool:
    try:
        contract._decode_strictly(KINDS[name], payload)
    except msgspec.MsgspecError:
        return False
    return len(payload) <= LIMITS[name]


def relaxed_json(payload: bytes) -> bool:
    """What JSON allows but the strict decoder does not take: an integral number written as a
    float (1.0 is the integer 1 in JSON Schema), a lone surrogate escape, or a key given twice
    (the last one counts, but the strict decoder checks each)."""
    text = payload.decode("utf-8", "surrogatepass")
    twice = [False]

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        twice[0] = twice[0] or len({key for key, _ in items}) < len(items)
        return dict(items)

    json.loads(text, object_pairs_hook=pairs)
    return twice[0] or bool(re.search(r"\d\.0\b|\d[eE]", text)) or bool(
        re.search(r"\\ud[89a-f]", text, re.IGNORECASE))


@pytest.mark.parametrize("name", ["response", "status", "ack"])
def test_the_typed_decoder_and_the_schema_give_the_same_verdicts(name: str) -> None:
    seen = accepted = relaxed = 0
    for payload in corpus(name):
        seen += 1
        expected = by_schema(name, payload)
        got = verdict(lambda: contract._decode_typed(
            name, KINDS[name], payload, LIMITS[name]))  # noqa: B023
        assert got == expected, payload
        if expected is None:
            accepted += 1
            if not strictly_typed(name, payload):
                # the strict decoder defers to the schema only for what JSON allows in more
                # than one spelling; the typed value then holds the normalised one
                assert relaxed_json(payload), payload
                relaxed += 1
        else:
            assert re.match(rf"({name}: \S|payload )", got), got
            assert not strictly_typed(name, payload), payload
    print(f"{name}: {seen} documents, {accepted} accepted ({relaxed} after normalising)")
    assert seen > 1000 and accepted > 100 and seen - accepted > 1000, (seen, accepted)


def test_an_integer_written_as_a_float_becomes_an_integer() -> None:
    document = hubdata.response(answers={"overall": 4, "reasons": ["wait"]})
    payload = contract.encode(document).replace(b'"overall":4', b'"overall":4.0') \
        .replace(b'"seq":1', b'"seq":1e0')
    response = contract.decode_response(payload)
    assert response.seq == 1 and type(response.seq) is int
    assert response.answers["overall"] == 4 and type(response.answers["overall"]) is int


def test_the_hubs_fuzz_cases_get_the_same_reasons_without_a_broker() -> None:
    topic = KioskTopic("ubnd-a", "k01", "response")
    for payload, expected in hubdata.bad_payloads(random.Random(5), 320):
        with pytest.raises(contract.ContractError) as caught:
            contract.decode_response(payload, topic)
        assert expected in caught.value.reason


def test_a_refusal_names_the_field_inside_answers() -> None:
    for answers, reason in [({"overall": 6}, "response: answers.overall must be smaller"),
                            ({"needs": ["a", "a"]}, "response: answers.needs must contain unique"),
                            ({"needs": ["a", 1]}, "response: answers.needs[1] must be string")]:
        with pytest.raises(contract.ContractError) as caught:
            contract.decode_response(contract.encode(hubdata.response(answers=answers)))
        assert caught.value.reason.startswith(reason), caught.value.reason
