"""Stages and integrity figures at the hub: the moves of dossiers rated at both moments and the
integrity questions' prevalence (pure functions against hand-computed tables), then the API on a
real hub: the ``stage`` filter, ``by=stage``, the stages document, integrity figures withheld
from a head, and ``sipas@2`` responses still stored and scored."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from hailong import contract
from hailong.topics import kiosk_topic
from hub.admin.accounts import Accounts
from hub.scores.aspects import integrity_prevalence
from hub.scores.stages import stage_moves
from tests.support import RawClient, RunningHub, wait_until
from tests.support.hubdata import response
from tests.support.surveys import NOVEMBER, call, seed_stages


def row(receipt: str, stage: str, day: date, overall: int | None) -> dict[str, Any]:
    at = datetime(day.year, day.month, day.day, 3, tzinfo=UTC)
    return {"receipt_h": receipt, "stage": stage, "day": day, "submitted_at": at,
            "answers": json.dumps({} if overall is None else {"overall": overall})}


NOV = date(2026, 11, 1)


def test_dossiers_rated_at_both_stages_move_up_same_or_down_by_hand() -> None:
    rows = [row("a", "receive", date(2026, 11, 5), 3), row("a", "result", date(2026, 11, 10), 5),
            row("b", "receive", date(2026, 11, 10), 4), row("b", "result", date(2026, 11, 12), 4),
            # received before the period: still paired with its result in the period
            row("c", "receive", date(2026, 10, 20), 5), row("c", "result", date(2026, 11, 12), 2),
            row("d", "receive", date(2026, 11, 10), 4),  # no result yet
            row("e", "result", date(2026, 11, 12), None),  # no receipt rating
            row("f", "receive", date(2026, 11, 10), 4),  # both, overall skipped at the result
            row("f", "result", date(2026, 11, 12), None),
            # both before the period: not this period's
            row("g", "receive", date(2026, 10, 1), 1), row("g", "result", date(2026, 10, 9), 5)]
    moves = stage_moves(rows, NOV, min_n=3)
    assert moves == {"both": 4, "compared": 3, "up": 1, "same": 1, "down": 1, "too_few": False,
                     "shares": {"up": pytest.approx(1 / 3), "same": pytest.approx(1 / 3),
                                "down": pytest.approx(1 / 3)}}
    # a second rating of one stage: the latest counts (b now goes down)
    later = {**row("b", "result", date(2026, 11, 13), 1)}
    assert stage_moves([*rows, later], NOV, 3)["down"] == 2
    assert stage_moves([], NOV, 3) == {"both": 0, "compared": 0, "up": 0, "same": 0, "down": 0,
                                       "too_few": True, "shares": None}


def test_integrity_prevalence_by_hand() -> None:
    counts = {"integrity-harassment": {"yes": 1, "no": 3, "decline": 2},
              "integrity-payment": {"decline": 1}}
    found = integrity_prevalence(counts, {"integrity-harassment": "harassment",
                                          "integrity-payment": "unofficial-payment"},
                                 {"harassment": 4, "wait": 9}, min_n=5)
    harassment, payment = found
    assert harassment["question"] == "integrity-harassment"
    assert (harassment["yes"], harassment["no"], harassment["declined"], harassment["n"]) == (
        1, 3, 2, 4)
    assert harassment["prevalence"] == pytest.approx(0.25)  # 1 of 4; the 2 declines apart
    low, high = harassment["prevalence_ci95"]  # Wilson, z = 1.96, 1 of 4: 0.0456 to 0.6994
    assert low == pytest.approx(0.0456, abs=1e-4) and high == pytest.approx(0.6994, abs=1e-4)
    assert harassment["too_few"] is True and harassment["chips"] == 4
    assert payment["n"] == 0 and payment["prevalence"] is None and payment["declined"] == 1
    assert payment["chips"] == 0 and payment["prevalence_ci95"] is None


def test_the_api_filters_and_splits_by_stage_and_counts_the_moves(
        survey_hub: RunningHub) -> None:
    seed_stages(survey_hub)
    status, every = call(survey_hub, "GET", f"/api/v1/offices/demo/scores?{NOVEMBER}")
    assert status == 200 and every["stage"] == "all" and every["responses"] == 10
    _, received = call(survey_hub, "GET", f"/api/v1/offices/demo/scores?{NOVEMBER}&stage=receive")
    assert received["stage"] == "receive" and received["responses"] == 4
    assert received["questions"]["overall"]["n"] == 4  # a 3 and three 4s
    assert received["response_rate"] is None  # dossiers are not counted per stage
    _, unknown = call(survey_hub, "GET", f"/api/v1/offices/demo/scores?{NOVEMBER}&stage=unknown")
    assert unknown["responses"] == 1 and unknown["questions"]["overall"]["n"] == 1
    _, split = call(survey_hub, "GET", f"/api/v1/offices/demo/scores?{NOVEMBER}&by=stage")
    assert split["by"] == "stage"
    assert [(c["key"], c["responses"]) for c in split["cells"]] == [
        ("receive", 4), ("result", 5), ("unknown", 1)]
    # the index document filters and splits by stage the same way
    _, index = call(survey_hub, "GET", f"/api/v1/offices/demo/index?{NOVEMBER}&by=stage")
    assert index["by"] == "stage" and index["stage"] == "all"
    assert [(c["key"], (c["overall"] or {}).get("n", 0)) for c in index["cells"]] == [
        (c["key"], c["questions"].get("overall", {}).get("n", 0)) for c in split["cells"]]
    _, result = call(survey_hub, "GET", f"/api/v1/offices/demo/index?{NOVEMBER}&stage=result")
    assert result["stage"] == "result"
    assert (result["index"], result["overall"]) == (index["cells"][1]["index"],
                                                    index["cells"][1]["overall"])
    status, error = call(survey_hub, "GET", f"/api/v1/offices/demo/index?{NOVEMBER}&stage=x")
    assert status == 400 and error["parameter"] == "stage"
    status, error = call(survey_hub, "GET", f"/api/v1/offices/demo/scores?{NOVEMBER}&stage=x")
    assert status == 400 and error["parameter"] == "stage"
    _, stages = call(survey_hub, "GET", f"/api/v1/offices/demo/stages?{NOVEMBER}")
    assert stages["responses"] == {"receive": 4, "result": 5, "unknown": 1}
    moves = stages["dossiers"]
    assert (moves["both"], moves["compared"], moves["up"], moves["same"], moves["down"]) == (
        4, 3, 1, 1, 1)
    assert "z" * 64 not in json.dumps(stages) and "a" * 64 not in json.dumps(stages)

    # integrity: the admin sees the prevalence, a head of the office sees it withheld
    _, aspects = call(survey_hub, "GET", f"/api/v1/offices/demo/aspects?{NOVEMBER}")
    integrity = {q["question"]: q for q in aspects["perceptions"]["integrity"]["questions"]}
    harassment = integrity["integrity-harassment"]
    assert (harassment["yes"], harassment["no"], harassment["n"]) == (1, 2, 3)
    assert harassment["prevalence"] == pytest.approx(1 / 3)
    assert integrity["integrity-payment"]["declined"] == 1
    assert harassment["text"]["vi"]
    token = Accounts(survey_hub.hub.store.engine).create_token("lan-api", "head", ["demo"])
    head = {"Authorization": f"Bearer {token}"}
    status, withheld = call(survey_hub, "GET", f"/api/v1/offices/demo/aspects?{NOVEMBER}",
                            headers=head)
    assert status == 200 and withheld["perceptions"]["withheld"] is True
    assert withheld["perceptions"]["integrity"] == {
        "withheld": True, "seen_by": ["admin", "viewer"], "questions": []}
    assert withheld["perceptions"]["reasons"] == []
    assert withheld["satisfaction"] == aspects["satisfaction"]  # the rest as the admin's
    # a viewer of the office's province reads the integrity figures as an admin does
    token = Accounts(survey_hub.hub.store.engine).create_token("dak-nong-api", "viewer", [],
                                                              ["dak-nong"])
    viewer = {"Authorization": f"Bearer {token}"}
    status, seen = call(survey_hub, "GET", f"/api/v1/offices/demo/aspects?{NOVEMBER}",
                        headers=viewer)
    assert status == 200 and seen == aspects
    _, reasons = call(survey_hub, "GET", f"/api/v1/offices/demo/reasons?{NOVEMBER}")
    assert call(survey_hub, "GET", f"/api/v1/offices/demo/reasons?{NOVEMBER}",
                headers=viewer) == (200, reasons)


def test_sipas_2_responses_are_still_stored_and_scored_and_their_chips_withheld(
        survey_hub: RunningHub) -> None:
    raw = RawClient(survey_hub.settings.mqtt.url)
    at = datetime(2026, 11, 20, 3, tzinfo=UTC)
    for seq, (overall, reasons) in enumerate([(2, ["harassment", "wait"]), (5, None)], 1):
        raw.publish(kiosk_topic("demo", "k01", "response"), contract.encode(response(
            office="demo", seq=seq, questionnaire="sipas@2", at=at,
            answers={"overall": overall, **({"reasons": reasons} if reasons else {})})))
    raw.close()
    wait_until(lambda: survey_hub.hub.ingestor.counters.stored == 2, interval=0.05, message="both stored")
    _, scores = call(survey_hub, "GET", f"/api/v1/offices/demo/scores?{NOVEMBER}")
    assert scores["responses"] == 2 and scores["questions"]["overall"]["n"] == 2
    assert scores["questions"]["overall"]["satisfied"] == pytest.approx(0.5)
    _, aspects = call(survey_hub, "GET", f"/api/v1/offices/demo/aspects?{NOVEMBER}")
    integrity = {q["question"]: q for q in aspects["perceptions"]["integrity"]["questions"]}
    assert integrity["integrity-harassment"]["chips"] == 1  # the old chip, counted apart
    assert integrity["integrity-harassment"]["n"] == 0
    token = Accounts(survey_hub.hub.store.engine).create_token("lan-api", "head", ["demo"])
    _, reasons = call(survey_hub, "GET", f"/api/v1/offices/demo/reasons?{NOVEMBER}",
                      headers={"Authorization": f"Bearer {token}"})
    assert [r["reason"] for r in reasons["reasons"]] == ["wait"]
    assert reasons["sensitive_withheld"] is True
    _, everything = call(survey_hub, "GET", f"/api/v1/offices/demo/reasons?{NOVEMBER}")
    assert {r["reason"] for r in everything["reasons"]} == {"harassment", "wait"}
