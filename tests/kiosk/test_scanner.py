"""The receipt scanner on a real pseudo-terminal: terminators, garbage, partial lines, unplugging."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk import flow
from kiosk.receipt import classify, receipt_hash
from kiosk.scanner import MAX_LINE, LineAssembler, ScannerReader
from kiosk.settings import DEFAULT_OFFICER_PATTERN, DEFAULT_RECEIPT_PATTERN
from tests.support import wait_until
from tests.support.kiosk import RECEIPT_KEY, kiosk_settings, running_app


class Pty:
    """A pseudo-terminal pair reached through a symlink, like /dev/serial/by-id/… of a scanner."""

    def __init__(self, link: Path) -> None:
        self.link = link
        self.master, slave = os.openpty()
        self.slave_path = os.ttyname(slave)
        os.close(slave)  # pyserial opens it by name, as it would a real device
        if link.is_symlink():
            link.unlink()
        link.symlink_to(self.slave_path)

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def unplug(self) -> None:
        self.link.unlink()
        os.close(self.master)


@pytest.fixture
def pty(tmp_path: Path) -> Iterator[Pty]:
    device = Pty(tmp_path / "scanner")
    yield device
    if device.link.is_symlink():
        device.unplug()


@pytest.fixture
def reader(pty: Pty) -> Iterator[ScannerReader]:
    scanner = ScannerReader(str(pty.link), 9600)
    scanner.start()
    wait_until(lambda: scanner.state == "ok", message="the scanner port open")
    yield scanner
    scanner.stop()


def codes(reader: ScannerReader, count: int) -> list[str]:
    got: list[str] = []
    wait_until(lambda: got.extend(_drain(reader)) or len(got) >= count,
               message=f"{count} codes")
    return got


def _drain(reader: ScannerReader) -> list[str]:
    out = []
    while not reader.codes.empty():
        out.append(reader.codes.get_nowait())
    return out


def test_codes_with_every_terminator(pty: Pty, reader: ScannerReader) -> None:
    pty.send(b"H21.65-220914-0011\rH21.65-220914-0012\nH21.65-220914-0013\r\n"
             b"H21.65-220914-0014\tCB:cb-017\r\n")
    assert codes(reader, 5) == ["H21.65-220914-0011", "H21.65-220914-0012", "H21.65-220914-0013",
                                "H21.65-220914-0014", "CB:cb-017"]
    assert reader.dropped == 0 and reader.last_scan is not None


def test_partial_lines_are_joined_and_garbage_is_dropped_and_counted(
        pty: Pty, reader: ScannerReader) -> None:
    pty.send(b"000.00.12.H38-25")
    pty.send(b"1123-0042\r")
    pty.send(b"\x00\xff\x1bnoise\r")  # non-printable bytes
    pty.send(b"A" * (MAX_LINE + 10) + b"\n")  # over-long
    pty.send(b"\r\n\r\n")  # empty lines are nothing at all
    pty.send(b"H1-251123-0001\r")
    assert codes(reader, 2) == ["000.00.12.H38-251123-0042", "H1-251123-0001"]
    assert reader.dropped == 2


def test_a_stale_partial_line_does_not_glue_onto_the_next_code() -> None:
    assembler = LineAssembler()
    assert assembler.feed(b"H21.65-2209", now=0.0) == []
    assert assembler.feed(b"H21.65-220914-0011\r", now=10.0) == ["H21.65-220914-0011"]
    assert assembler.dropped == 1


@pytest.mark.slow  # waits out the scanner's reopening delay
def test_the_port_vanishing_and_coming_back(tmp_path: Path) -> None:
    link = tmp_path / "scanner"
    states: list[str] = []
    first = Pty(link)
    scanner = ScannerReader(str(link), 9600, on_state=states.append)
    scanner.start()
    try:
        wait_until(lambda: scanner.state == "ok", message="open")
        first.send(b"H21.65-220914-0011\r")
        assert codes(scanner, 1) == ["H21.65-220914-0011"]
        dropped = scanner.dropped
        first.send(b"H21.65-2209")  # unplugged in the middle of a scan
        # the half code read before the cable went (held, or already dropped as stale)
        wait_until(lambda: scanner.assembler.partial == len(b"H21.65-2209")
                   or scanner.dropped > dropped, message="the half code read")
        first.unplug()
        wait_until(lambda: scanner.state in ("absent", "error"), message="the loss noticed")
        wait_until(lambda: scanner.state == "absent", message="absent")
        second = Pty(link)  # plugged in again (a new pty, the same path)
        try:
            wait_until(lambda: scanner.state == "ok", message="reopened")
            second.send(b"H21.65-220914-0012\r")
            assert codes(scanner, 1) == ["H21.65-220914-0012"]
        finally:
            second.unplug()
    finally:
        scanner.stop()
    assert states[0] == "ok" and "absent" in states and states[-1] in ("absent", "error")
    assert scanner.dropped >= 1  # the interrupted half code


def test_no_port_is_absent_and_never_blocks(tmp_path: Path) -> None:
    scanner = ScannerReader(str(tmp_path / "nothing-here"), 9600)
    scanner.start()
    try:
        wait_until(lambda: scanner.state == "absent", message="absent")
    finally:
        scanner.stop()


def test_classify_hashes_receipts_at_once_and_recognises_officer_cards() -> None:
    receipt_re, officer_re = re.compile(DEFAULT_RECEIPT_PATTERN), re.compile(DEFAULT_OFFICER_PATTERN)
    scanned = classify(" h21.65-220914-0011 ", receipt_re, officer_re, RECEIPT_KEY)
    assert scanned.kind == "receipt" and scanned.receipt is not None
    assert scanned.receipt.h == receipt_hash("H21.65-220914-0011", RECEIPT_KEY)
    assert scanned.receipt.unit == "H21.65" and scanned.receipt.date == "2022-09-14"
    assert "0011" not in repr(scanned)
    card = classify("CB:cb-017", receipt_re, officer_re, RECEIPT_KEY)
    assert card.kind == "officer" and card.officer == "cb-017"
    assert classify("1.000948.H38", receipt_re, officer_re, RECEIPT_KEY).kind == "unknown"


def test_scans_drive_the_kiosk_and_a_dossier_is_rated_once(tmp_path: Path, pty: Pty) -> None:
    settings = kiosk_settings(tmp_path, scanner__port=str(pty.link))
    with running_app(settings, connect=True) as drive:
        app = drive.app
        wait_until(lambda: app.scanner is not None and app.scanner.state == "ok",
                   message="scanner ok")
        pty.send(b"H21.65-220914-0011\r\n")
        wait_until(lambda: drive.step() or app.state.screen == "question",
                   message="the scan to open the questionnaire")
        assert app.state.session is not None and app.state.session.trigger == "scan"
        drive.keys("5")  # at the kiosk's default stage "any": receipt or result?
        assert flow.on_stage_screen(app.state)
        drive.step(40)  # walked away: the stage not said counts as receiving
        assert app.state.screen == "thanks"
        document = _stored(app)[-1]
        assert document["trigger"] == "scan" and document["complete"] is False
        assert document["receipt"] == {"h": receipt_hash("H21.65-220914-0011", RECEIPT_KEY),
                                       "unit": "H21.65", "date": "2022-09-14"}
        assert "stage" not in document
        drive.step(6)
        pty.send(b"H21.65-220914-0011\r")  # back to collect the result: rated again, no question
        wait_until(lambda: drive.step() or app.state.screen == "question", message="result")
        drive.keys("4-")
        document = _stored(app)[-1]
        assert document["stage"] == "result" and document["answers"] == {"overall": 4}
        assert document["receipt"]["h"] == receipt_hash("H21.65-220914-0011", RECEIPT_KEY)
        drive.step(6)
        pty.send(b"H21.65-220914-0011\r")  # the same dossier at the same stage: nothing opens
        wait_until(lambda: drive.step() or app.state.screen == "notice", message="the notice")
        assert app.state.notice == "notice.already_rated"
        texts = [d.text for d in app.painter.drawn]  # type: ignore[union-attr]
        assert "Hồ sơ này đã được đánh giá" in texts
        assert len(_stored(app)) == 2
        drive.step(5)
        pty.send(b"CB:cb-020\r")  # officer card: the officer on duty, and the next citizen
        wait_until(lambda: drive.step() or app.state.screen == "question", message="officer")
        assert app.state.officer == "cb-020"
        pty.send(b"garbage-code\r")
        wait_until(lambda: drive.step() or app.unmatched == 1, message="unmatched counted")
        assert app.state.screen == "question"
        assert app._status_fields()["scanner"] == "ok"
    db = (tmp_path / "outbox-k01.db").read_bytes()
    assert b"220914-0011" not in db  # never stored in clear


def test_two_citizens_back_to_back_by_their_receipts(tmp_path: Path, pty: Pty) -> None:
    settings = kiosk_settings(tmp_path, scanner__port=str(pty.link), stage="receive")
    with running_app(settings, connect=True) as drive:
        app = drive.app
        wait_until(lambda: app.scanner is not None and app.scanner.state == "ok",
                   message="scanner ok")
        pty.send(b"H21.65-220914-0011\r")
        wait_until(lambda: drive.step() or app.state.screen == "question", message="first")
        drive.keys("5")  # the first citizen rates, then leaves without sending
        drive.step(5)
        pty.send(b"H21.65-220914-0012\r")  # the next citizen's receipt, 5 s later
        wait_until(lambda: drive.step() or len(_stored(app)) == 1, message="first stored")
        assert app.state.screen == "question" and app.state.session is not None
        assert app.state.session.answers == {}
        drive.keys("2-")
        first, second = _stored(app)
    assert first["answers"] == {"overall": 5} and first["complete"] is False
    assert first["receipt"]["h"] == receipt_hash("H21.65-220914-0011", RECEIPT_KEY)
    assert second["answers"] == {"overall": 2} and second["complete"] is True
    assert second["receipt"]["h"] == receipt_hash("H21.65-220914-0012", RECEIPT_KEY)
    assert first["stage"] == second["stage"] == "receive"


def _stored(app) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    import json

    return [json.loads(p.payload) for p in app.desk.outbox.due(1e12, 100)]


def test_scan_event_carries_no_clear_code() -> None:
    fields = {f for f in flow.Scan.__dataclass_fields__}
    assert fields == {"now", "target", "pos", "kind", "receipt", "officer", "rated", "request",
                      "result_request"}
