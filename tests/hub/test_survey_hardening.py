"""Survey files from the audit: formulas without a saved value, the same respondents re-saved in
other bytes, and the true count of a junk file's problems; through a real hub's API."""

from __future__ import annotations

import csv
import io
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from hailong.broker import Broker
from hub.admin.surveys import MAX_PROBLEMS, SurveyRejected, parse_survey
from tests.support import REPO, RunningHub, hub_settings, write_toml
from tests.support.surveys import RULES

EXAMPLE = REPO / "config" / "surveys" / "example-phone.csv"


def workbook(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_formula_without_a_saved_value_is_refused_with_its_cell() -> None:
    data = workbook([["office", "date", "channel", "respondent", "overall", "access"],
                     ["ubnd-a", "2026-11-20", "phone", "P1", "=2+3", 4],
                     ["ubnd-a", "2026-11-20", "phone", "P2", 5, "=E2"]])
    with pytest.raises(SurveyRejected) as caught:
        parse_survey(data, "scripted.xlsx", RULES)
    assert [str(p) for p in caught.value.problems] == [
        "row 2, column E: a formula without a saved value",
        "row 3, column F: a formula without a saved value"]


@pytest.fixture
def survey_hub(tmp_path: Path, broker: Broker) -> Iterator[RunningHub]:
    roster = write_toml(tmp_path / "roster.toml",
                        '[[offices]]\nid = "demo"\nname = "Demo"\nprovince = "dak-nong"\n')
    running = RunningHub(hub_settings(tmp_path / "hub", broker.url, roster=str(roster)))
    yield running
    running.stop()


def call(hub: RunningHub, method: str, path: str, body: bytes | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(hub.url + path, method=method, data=body, headers=hub.auth)
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_the_same_respondents_saved_again_by_a_spreadsheet_are_refused(
        survey_hub: RunningHub) -> None:
    status, first = call(survey_hub, "POST", "/api/v1/surveys?name=example-phone.csv",
                         EXAMPLE.read_bytes())
    assert status == 201, first
    rows = list(csv.reader(io.StringIO(EXAMPLE.read_text(encoding="utf-8-sig"))))
    resaved = workbook([[int(c) if c.isdigit() else c for c in row] for row in rows])
    status, refused = call(survey_hub, "POST", "/api/v1/surveys?name=example-phone.xlsx", resaved)
    assert status == 422, refused
    first_id = first["import"]["id"]
    assert refused["error"] == f"the file has {len(rows) - 1} problem(s); nothing was imported"
    assert refused["problems"][0] == (
        f"row 2, column respondent: respondent 'P-0001' of demo (phone) was imported already by "
        f"import {first_id} (example-phone.csv): undo that import to replace it")
    _, listed = call(survey_hub, "GET", "/api/v1/surveys")
    assert [i["id"] for i in listed["imports"]] == [first_id]

    assert call(survey_hub, "DELETE", f"/api/v1/surveys/{first_id}")[0] == 200
    status, replaced = call(survey_hub, "POST", "/api/v1/surveys?name=example-phone.xlsx",
                            resaved)
    assert status == 201 and replaced["import"]["rows"] == len(rows) - 1


def test_a_junk_file_of_100000_rows_reports_its_true_count(survey_hub: RunningHub) -> None:
    junk = "office,date,channel,respondent,overall\n" + "nowhere,someday,phone,,9\n" * 100_000
    status, refused = call(survey_hub, "POST", "/api/v1/surveys?name=junk.csv", junk.encode())
    assert status == 422
    total = 3 * 100_000  # office, date and answer of every row
    assert refused["error"] == f"the file has {total} problem(s); nothing was imported"
    assert len(refused["problems"]) == MAX_PROBLEMS + 1
    assert refused["problems"][-1] == f"file: and {total - MAX_PROBLEMS} more problems"
    assert refused["problems"][0] == "row 2, column office: no office 'nowhere' in the roster"
