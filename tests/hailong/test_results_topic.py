"""The office results topic: built and parsed by hailong/topics.py, its payload held to
config/schema/results.schema.json by hailong/contract.py."""

from __future__ import annotations

import pytest

from hailong import contract
from hailong.topics import OFFICE_KINDS, OfficeTopic, office_topic, parse_office_topic

GOOD = {"v": 1, "office": "ubnd-a", "month": "2026-11", "n": 184, "satisfied": 0.92,
        "too_few": False, "min_n": 30, "action": {"measure": "Thêm ghế", "result": ""}}


def test_the_results_topic_is_built_and_parsed_in_one_place() -> None:
    assert "results" in OFFICE_KINDS
    assert office_topic("ubnd-a", "results") == "hailong/v1/ubnd-a/results"
    assert parse_office_topic("hailong/v1/ubnd-a/results") == OfficeTopic("ubnd-a", "results")
    assert parse_office_topic("hailong/v1/ubnd-a/k01/ack") is None
    assert parse_office_topic("hailong/v1/Ubnd/results") is None


@pytest.mark.parametrize("change", [
    {"month": "2026-13"}, {"n": -1}, {"satisfied": 1.5}, {"v": 2}, {"office": "UBND"},
    {"action": {"measure": "x"}}, {"extra": True}, {"action": {"measure": "x" * 2001,
                                                              "result": ""}}])
def test_a_results_message_that_breaks_the_schema_is_refused(change: dict[str, object]) -> None:
    contract.validate("results", GOOD)
    with pytest.raises(contract.ContractError):
        contract.validate("results", {**GOOD, **change})
