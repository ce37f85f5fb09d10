"""Survey imports through the API and the CLI, the channel dimension of scores, kinds of office
in rankings; a real hub on SQLite (the storage itself runs on PostgreSQL in test_surveys.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.admin.accounts import Accounts
from tests.support import RunningHub, hailong_cli
from tests.support.surveys import EXAMPLE, NOVEMBER, call, seed_kiosk


def test_an_imported_phone_survey_sits_beside_the_kiosk_with_the_difference_marked(
        survey_hub: RunningHub) -> None:
    seed_kiosk(survey_hub)
    status, body = call(survey_hub, "POST", "/api/v1/surveys?name=example-phone.csv",
                        EXAMPLE.read_bytes())
    assert status == 201, body
    assert body["duplicate"] is False and body["import"]["rows"] == 80
    assert body["import"]["channels"] == ["phone"] and body["import"]["offices"] == ["demo"]
    assert body["import"]["imported_by"] == "token:tests"
    again_status, again = call(survey_hub, "POST", "/api/v1/surveys?name=again.csv",
                               EXAMPLE.read_bytes())
    assert again_status == 200 and again["duplicate"] is True
    assert again["import"]["id"] == body["import"]["id"]

    # The default scores are the kiosks', as before; channels lists what else there is.
    _, kiosk = call(survey_hub, "GET", f"/api/v1/offices/demo/scores?{NOVEMBER}")
    assert kiosk["responses"] == 44 and kiosk["channel"] == "kiosk"
    assert kiosk["channels"] == {"kiosk": 44, "phone": 80}
    _, phone = call(survey_hub, "GET", f"/api/v1/offices/demo/scores?{NOVEMBER}&channel=phone")
    assert phone["responses"] == 80 and phone["questions"]["overall"]["n"] == 80
    assert phone["questions"]["overall"]["satisfied"] == pytest.approx(24 / 80)
    assert phone["response_rate"] is None
    _, pooled = call(survey_hub, "GET", f"/api/v1/offices/demo/scores?{NOVEMBER}&channel=all")
    assert pooled["responses"] == 124 and pooled["channel"] == "all"
    _, split = call(survey_hub, "GET", f"/api/v1/offices/demo/scores?{NOVEMBER}&by=channel")
    assert [(c["key"], c["responses"], c["questions"]["overall"]["n"]) for c in split["cells"]] \
        == [("kiosk", 44, 44), ("phone", 80, 80)]

    _, side = call(survey_hub, "GET", f"/api/v1/offices/demo/channels?{NOVEMBER}")
    assert side["channels"] == ["kiosk", "phone"] and side["responses"] == {"kiosk": 44,
                                                                            "phone": 80}
    overall = next(q for q in side["questions"] if q["key"] == "overall")
    assert overall["channels"]["kiosk"]["satisfied"] == pytest.approx(40 / 44)
    assert overall["differs"] == {"phone": True} and overall["marked"] is True
    factor = next(f for f in side["factors"] if f["key"] == "overall")
    assert factor["differs"] == {"phone": True}

    _, listed = call(survey_hub, "GET", "/api/v1/surveys")
    assert [(i["id"], i["state"], i["file_name"]) for i in listed["imports"]] == [
        (body["import"]["id"], "imported", "example-phone.csv")]
    status, undone = call(survey_hub, "DELETE", f"/api/v1/surveys/{body['import']['id']}")
    assert status == 200 and undone["removed"] == 80
    _, after = call(survey_hub, "GET", f"/api/v1/offices/demo/scores?{NOVEMBER}&channel=phone")
    assert after["responses"] == 0 and after["channels"] == {"kiosk": 44}
    status, gone = call(survey_hub, "DELETE", f"/api/v1/surveys/{body['import']['id']}")
    assert status == 404 and "already undone" in gone["error"]


def test_a_broken_upload_lists_its_problems_and_imports_nothing(survey_hub: RunningHub) -> None:
    data = b"office,date,overall\ndemo,2026-11-05,7\natlantis,2026-11-05,4\n"
    status, body = call(survey_hub, "POST", "/api/v1/surveys?channel=zalo&name=bad.csv", data)
    assert status == 422
    assert body["problems"] == [
        "row 2, column overall: '7' is not an answer of the 5-level scale (1–5 or its labels, "
        "blank when skipped)",
        "row 3, column office: no office 'atlantis' in the roster"]
    assert call(survey_hub, "GET", "/api/v1/surveys")[1] == {"imports": []}
    # a declared extra channel is accepted
    good = b"office,date,overall\ndemo,2026-11-05,4\n"
    status, body = call(survey_hub, "POST", "/api/v1/surveys?channel=zalo&name=zalo.csv", good)
    assert status == 201 and body["import"]["channels"] == ["zalo"]
    status, body = call(survey_hub, "GET", "/api/v1/offices/demo/scores?channel=fax")
    assert status == 400 and body["parameter"] == "channel"


def test_only_admins_import(survey_hub: RunningHub) -> None:
    token = Accounts(survey_hub.hub.store.engine).create_token("lan", "head", ["demo"])
    head = {"Authorization": f"Bearer {token}"}
    for method, path in (("GET", "/api/v1/surveys"), ("POST", "/api/v1/surveys"),
                         ("DELETE", "/api/v1/surveys/1")):
        status, body = call(survey_hub, method, path, b"" if method == "POST" else None, head)
        assert (status, body["error"]) == (403, "only an admin may see this")
    status, _ = call(survey_hub, "GET", f"/api/v1/offices/demo/channels?{NOVEMBER}", None, head)
    assert status == 200


def test_kinds_show_in_the_office_list_and_rankings_never_mix_them(survey_hub: RunningHub) -> None:
    _, listed = call(survey_hub, "GET", "/api/v1/offices")
    assert {o["id"]: o["kind"] for o in listed["offices"]} == {
        "bv-1": "hospital", "demo": "admin", "th-1": "school", "ubnd-b": "admin"}
    seed_kiosk(survey_hub)
    seed_kiosk(survey_hub, "bv-1", satisfied=10, low=30)
    status, body = call(survey_hub, "GET", f"/api/v1/provinces/dak-nong/ranking?{NOVEMBER}")
    assert status == 400 and body["parameter"] == "kind"
    assert body["error"] == ("the offices of dak-nong are of several kinds (admin, hospital): "
                             "rankings compare like with like, so rank one kind at a time with "
                             "kind=admin")
    _, admin = call(survey_hub, "GET",
                    f"/api/v1/provinces/dak-nong/ranking?{NOVEMBER}&kind=admin&min_n=5")
    assert admin["kind"] == "admin"
    assert [e["office"] for e in admin["ranked"]] == ["demo"]
    assert [e["office"] for e in admin["too_few"]] == ["ubnd-b"]
    _, hospital = call(survey_hub, "GET",
                       f"/api/v1/provinces/dak-nong/ranking?{NOVEMBER}&kind=hospital&min_n=5")
    assert [(e["office"], e["n"]) for e in hospital["ranked"]] == [("bv-1", 40)]
    status, body = call(survey_hub, "GET", "/api/v1/provinces/dak-nong/ranking?kind=school")
    assert status == 404 and body["parameter"] == "kind"
    status, body = call(survey_hub, "GET", "/api/v1/provinces/dak-nong/ranking?kind=prison")
    assert status == 400 and body["parameter"] == "kind"
    # one kind alone needs no kind=
    status, body = call(survey_hub, "GET", "/api/v1/provinces/lam-dong/ranking")
    assert status == 200 and body["kind"] == "school"
    status, body = call(survey_hub, "GET", "/api/v1/provinces/dak-nong/ranking?kind=admin"
                        "&question=waiting-time")
    assert status == 400 and body["parameter"] == "question"


def test_the_cli_imports_lists_and_undoes(survey_hub: RunningHub, tmp_path: Path) -> None:
    config = str(tmp_path / "hub" / "hub.toml")
    bad = tmp_path / "bad.csv"
    bad.write_text("office,date,channel,overall\ndemo,2026-13-01,phone,4\ndemo,2026-11-02,"
                   "phone,Hài lòng lắm\n", encoding="utf-8")
    done = hailong_cli("hub", "survey", "import", str(bad), "--config", config)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.splitlines() == [
        "bad.csv: row 2, column date: '2026-13-01' is not a date (YYYY-MM-DD or DD/MM/YYYY)",
        "bad.csv: row 3, column overall: 'Hài lòng lắm' is not an answer of the 5-level scale "
        "(1–5 or its labels, blank when skipped)",
        "bad.csv: 2 problem(s); nothing was imported"]
    done = hailong_cli("hub", "survey", "import", str(EXAMPLE), "--channel", "phone",
                       "--config", config)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("imported 80 respondents from example-phone.csv as import ")
    again = hailong_cli("hub", "survey", "import", str(EXAMPLE), "--channel", "phone",
                        "--config", config)
    assert again.returncode == 0 and "already imported" in again.stdout
    listing = hailong_cli("hub", "survey", "list", "--config", config)
    lines = listing.stdout.splitlines()
    assert lines[0].split("\t")[:5] == ["id", "state", "imported_at", "imported_by", "rows"]
    fields = lines[1].split("\t")
    assert (fields[1], fields[3].startswith("cli:"), fields[4], fields[5], fields[-1]) == (
        "imported", True, "80", "phone", "example-phone.csv")
    undo = hailong_cli("hub", "survey", "undo", fields[0], "--config", config)
    assert undo.returncode == 0 and undo.stdout.strip() == (
        f"undid import {fields[0]}: 80 respondents removed")
    undo = hailong_cli("hub", "survey", "undo", fields[0], "--config", config)
    assert undo.returncode == 1 and "already undone" in undo.stderr
