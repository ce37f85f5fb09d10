"""Survey files: checked whole (exact error lists), imported once, undone; on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import unicodedata
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook
from sqlalchemy import select, text

from hub.admin.survey_imports import import_survey_file
from hub.admin.surveys import SurveyRejected, SurveyRules, parse_survey
from hub.roster import Office, Roster
from hub.store import Store, head_revision
from hub.store import tables as t
from tests.support import REPO
from tests.support.hubdata import accepted, response
from tests.support.surveys import CATALOG, RULES

EXAMPLES = REPO / "config" / "surveys"
HEADER = "office,date,channel,respondent,overall,access,officer\n"


def problems(data: bytes, name: str = "survey.csv", rules: SurveyRules = RULES) -> list[str]:
    with pytest.raises(SurveyRejected) as caught:
        parse_survey(data, name, rules)
    return [str(p) for p in caught.value.problems]


def test_a_valid_file_gives_one_respondent_per_row() -> None:
    survey = parse_survey((HEADER + "ubnd-a,2026-11-20,phone,P1,5,,4\n"
                           "ubnd-a,21/11/2026,paper,,2,3,\n"
                           "bv-1,2026-11-21,phone,,4,,\n").encode(), "survey.csv", RULES)
    assert [(r.row, r.office, r.day, r.channel, r.respondent, r.questionnaire, dict(r.answers))
            for r in survey.respondents] == [
        (2, "ubnd-a", date(2026, 11, 20), "phone", "P1", "sipas@3", {"overall": 5, "officer": 4}),
        (3, "ubnd-a", date(2026, 11, 21), "paper", None, "sipas@3", {"overall": 2, "access": 3}),
        (4, "bv-1", date(2026, 11, 21), "phone", None, "test-hospital@1", {"overall": 4})]
    assert survey.channels == ["paper", "phone"] and survey.offices == ["bv-1", "ubnd-a"]


def test_every_problem_of_a_file_is_listed_with_its_row_and_column() -> None:
    data = (HEADER + "ubnd-x,2026-11-20,phone,,5,,\n"      # bad office
            "ubnd-a,2026-02-30,phone,,5,,\n"                # impossible date
            "ubnd-a,2026-11-20,phone,,6,0,\n"               # out of range, twice
            "ubnd-a,2026-12-25,phone,,4,,\n"                # in the future
            "ubnd-a,2026-11-20,kiosk,,4,,\n"                # not a survey channel
            "ubnd-a,2026-11-20,fax,,4,,\n"                  # not declared
            "ubnd-a,2026-11-20,phone,,,,\n"                 # nothing answered
            "bv-1,2026-11-20,phone,,4,5,\n").encode()       # not a hospital question
    assert problems(data) == [
        "row 2, column office: no office 'ubnd-x' in the roster",
        "row 3, column date: '2026-02-30' is not a date (YYYY-MM-DD or DD/MM/YYYY)",
        "row 4, column overall: '6' is not an answer of the 5-level scale (1–5 or its labels, "
        "blank when skipped)",
        "row 4, column access: '0' is not an answer of the 5-level scale (1–5 or its labels, "
        "blank when skipped)",
        "row 5, column date: 2026-12-25 is in the future",
        "row 6, column channel: kiosk ratings come only from kiosks: name the survey's channel "
        "(paper, phone …)",
        "row 7, column channel: 'fax' is not a declared channel (paper, phone, postal, web; more "
        "in [hub] survey_channels)",
        "row 8: every question is blank: a respondent answers at least one",
        "row 9, column access: the questionnaire of hospital offices (test-hospital@1) has no "
        "rating question 'access': leave it blank",
    ]


def test_an_unknown_question_column_is_refused_in_the_header() -> None:
    data = b"office,date,channel,speed,visits\nubnd-a,2026-11-20,phone,4,1\n"
    assert problems(data) == [
        "row 1, column speed: unknown question 'speed': a column is office, date, channel, "
        "respondent or a rating question id (access, feedback, learning, listening, notices, "
        "officer, overall, premises, procedure, result, teachers, waiting)",
        "row 1, column visits: 'visits' is not a rating question: only answers on the 5-level "
        "scale can be imported",
        "row 2: every question is blank: a respondent answers at least one",
    ]


def test_a_file_in_another_encoding_is_refused_with_its_row() -> None:
    data = (HEADER + "ubnd-a,2026-11-20,phone,Nguyễn Văn A,5,,\n").encode("utf-16")
    assert problems(data) == ["row 1: the file is not UTF-8 text (it holds NUL bytes, as UTF-16 "
                              "does): save it as “CSV UTF-8” and import it again"]
    latin = (HEADER + "ubnd-a,2026-11-20,phone,José,5,,\n").encode("latin-1")
    assert problems(latin) == ["row 2: the file is not UTF-8 text (byte 0xE9 cannot be read): "
                               "save it as “CSV UTF-8” and import it again"]


def test_vietnamese_labels_are_read_whatever_their_case_and_normal_form() -> None:
    decomposed = unicodedata.normalize("NFD", "RẤT HÀI LÒNG")
    data = ("\ufeffoffice;date;channel;overall;access;officer;result\n"
            f"ubnd-a;2026-11-20;Phone;{decomposed};không hài lòng;  Bình   thường ;"
            "Chưa nhận kết quả\n"
            "ubnd-a;2026-11-20;phone;Very satisfied;1;Hài Lòng;\n").encode()
    survey = parse_survey(data, "nhan.csv", RULES)
    assert [dict(r.answers) for r in survey.respondents] == [
        {"overall": 5, "access": 2, "officer": 3},  # "not received yet" counts as skipped
        {"overall": 5, "access": 1, "officer": 4}]


def test_the_import_channel_fills_blank_cells_and_must_agree_with_the_others() -> None:
    rules = SurveyRules(**{**RULES.__dict__, "channel": "phone"})
    data = (HEADER + "ubnd-a,2026-11-20,,,5,,\nubnd-a,2026-11-20,paper,,5,,\n").encode()
    assert problems(data, rules=rules) == [
        "row 3, column channel: the row says 'paper' but the file is imported for 'phone'"]
    assert problems(b"office,date,overall\nubnd-a,2026-11-20,4\n") == [
        "row 1: no channel column: add one, or import the file for one channel (--channel phone)"]
    survey = parse_survey(b"office,date,overall\nubnd-a,2026-11-20,4\n", "x.csv", rules)
    assert survey.respondents[0].channel == "phone"


def xlsx(rows: list[list[object]], merge: list[str] = ()) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for cells in merge:
        sheet.merge_cells(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_xlsx_with_merged_header_cells_is_refused() -> None:
    data = xlsx([["Khảo sát qua điện thoại", None, None, None, None],
                 ["office", "date", "channel", "overall", None],
                 ["ubnd-a", datetime(2026, 11, 20), "phone", 4, 5],
                 ["ubnd-a", datetime(2026, 11, 21), "phone", 2, 3]],
                merge=["A1:E1", "D2:E2"])
    assert problems(data, "khao-sat.xlsx") == [
        "row 2, column D: merged cells D2:E2: unmerge them so that every column has its own "
        "header and every cell its own value",
        "row 3, column E: a value in a column with no header",
        "row 4, column E: a value in a column with no header",
    ]
    # The title above the header may stay merged.
    fine = xlsx([["Khảo sát qua điện thoại", None, None, None],
                 ["office", "date", "channel", "overall"],
                 ["ubnd-a", datetime(2026, 11, 20), "phone", 4]], merge=["A1:D1"])
    assert parse_survey(fine, "khao-sat.xlsx", RULES).respondents[0].answers == {"overall": 4}


def test_the_example_files_hold_the_same_respondents() -> None:
    csv_file = parse_survey((EXAMPLES / "example-phone.csv").read_bytes(), "example-phone.csv",
                            RULES)
    xlsx_file = parse_survey((EXAMPLES / "example-phone.xlsx").read_bytes(),
                             "example-phone.xlsx", RULES)
    assert len(csv_file.respondents) == 80
    assert [(r.day, r.respondent, dict(r.answers)) for r in csv_file.respondents] == \
        [(r.day, r.respondent, dict(r.answers)) for r in xlsx_file.respondents]
    overall = [r.answers["overall"] for r in csv_file.respondents]
    assert sum(1 for a in overall if a >= 4) == 24  # 30 % satisfied, as the script says


# -- storage -------------------------------------------------------------------------------
ROSTER = Roster(offices=[Office(id="ubnd-a", province="p"), Office(id="demo", province="p")])
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


def do_import(store: Store, data: bytes, name: str = "survey.csv", channel: str | None = None):
    return import_survey_file(store, CATALOG, (), lambda _office: ZONE, data, name, channel,
                              "user:admin", NOW)


def test_imports_sit_beside_kiosk_ratings_once_and_can_be_undone(database_url: str) -> None:
    store = Store(database_url)
    store.upgrade()
    store.apply_roster(ROSTER)
    kiosk = accepted(response(office="ubnd-a", seq=7, answers={"overall": 5}))
    store.write_batch([kiosk], [])
    day = kiosk.day
    data = (HEADER + f"ubnd-a,{day.isoformat()},phone,P1,2,4,\n"
            f"ubnd-a,{day.isoformat()},phone,P2,1,,5\n").encode()
    first = do_import(store, data)
    assert (first.rows, first.duplicate) == (2, False)
    again = do_import(store, data, "copy-of-survey.csv")
    assert (again.id, again.duplicate) == (first.id, True)

    def overall(channel: str | None) -> list[int]:
        rows = [r for r in store.read.rating_sums("ubnd-a", day, day, channel=channel)
                if r["question"] == "overall"]
        # one row per questionnaire version: kiosk and survey rows may differ in it
        return [sum(int(r[f"d{i}"]) for r in rows) for i in range(1, 6)] if rows else []

    assert overall("kiosk") == [0, 0, 0, 0, 1]
    assert overall("phone") == [1, 1, 0, 0, 0]
    assert overall(None) == [1, 1, 0, 0, 1]
    assert store.read.channels("ubnd-a", day, day) == {"kiosk": 1, "phone": 2}
    assert store.read.response_totals("ubnd-a", day, day)["n"] == 1  # kiosk by default
    # Surveys never touch the kiosks' seq tracking or the credibility reads.
    kiosks = store.read.kiosks("ubnd-a")
    assert [(k["kiosk"], k["max_seq"], k["received"]) for k in kiosks] == [("k01", 7, 1)]
    assert len(store.read.answered("ubnd-a", day, day)) == 1
    with store.engine.connect() as conn:
        stored = conn.execute(select(t.responses.c.id, t.responses.c.respondent)
                              .where(t.responses.c.channel == "phone")
                              .order_by(t.responses.c.id)).all()
    assert [tuple(r) for r in stored] == [(f"survey-{first.id}-2", "P1"),
                                         (f"survey-{first.id}-3", "P2")]
    listed = store.read.survey_imports()
    assert [(r["id"], r["rows"], r["channels"], r["offices"], r["imported_by"], r["file_name"])
            for r in listed] == [(first.id, 2, "phone", "ubnd-a", "user:admin", "survey.csv")]

    assert store.undo_import(first.id, "user:admin", NOW) == 2
    assert overall("phone") == [] and overall("kiosk") == [0, 0, 0, 0, 1]
    assert store.read.channels("ubnd-a", day, day) == {"kiosk": 1}
    with pytest.raises(LookupError, match="already undone"):
        store.undo_import(first.id, "user:admin", NOW)
    with pytest.raises(LookupError, match="no survey import 999"):
        store.undo_import(999, "user:admin", NOW)
    # Undone, the same file may come in again, as a new import.
    third = do_import(store, data)
    assert third.id != first.id and not third.duplicate and overall("phone") == [1, 1, 0, 0, 0]
    assert [r["undone_by"] for r in store.read.survey_imports()] == [None, "user:admin"]
    store.close()


def test_a_rejected_file_imports_nothing(database_url: str) -> None:
    store = Store(database_url)
    store.upgrade()
    store.apply_roster(ROSTER)
    with pytest.raises(SurveyRejected):
        do_import(store, (HEADER + "ubnd-a,2026-11-20,phone,,5,,\n"
                          "ubnd-a,2026-11-20,phone,,9,,\n").encode())
    assert store.read.survey_imports() == [] and store.read.response_count_all() == 0
    store.close()


def test_integrity_columns_in_a_survey_file_are_refused_with_the_reason(
        database_url: str) -> None:
    store = Store(database_url)
    store.upgrade()
    store.apply_roster(ROSTER)
    with pytest.raises(SurveyRejected) as refused:
        do_import(store, ("office,date,channel,overall,integrity-harassment\n"
                          "ubnd-a,2026-11-20,phone,5,Không\n").encode())
    assert "'integrity-harassment' is an integrity question" in str(refused.value)
    assert "remove the column" in str(refused.value)
    assert store.read.survey_imports() == [] and store.read.response_count_all() == 0
    store.close()


def test_the_migration_keeps_kiosk_rollups_as_the_kiosk_channel(database_url: str) -> None:
    store = Store(database_url)
    store.upgrade()
    store.write_batch([accepted(response(office="ubnd-a", seq=1, answers={"overall": 4}))], [])
    with store.engine.begin() as conn:
        from alembic import command

        from hub.store import alembic_config
        command.downgrade(alembic_config(conn), "0100")
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT d4 FROM rollup_ratings")).scalar_one() == 1
    store.upgrade()
    assert store.current_revision() == head_revision()
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT channel, d4 FROM rollup_ratings")).all()
        assert [tuple(r) for r in rows] == [("kiosk", 1)]
        assert conn.execute(text("SELECT channel FROM responses")).scalar_one() == "kiosk"
    # and a kiosk response after the migration adds to the same cell
    store.write_batch([accepted(response(office="ubnd-a", seq=2, answers={"overall": 4}))], [])
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT d4 FROM rollup_ratings")).scalar_one() == 2
    store.close()
