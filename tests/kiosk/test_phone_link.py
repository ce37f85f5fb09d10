"""The phone link on a real kiosk: a scan on a real pty, the request and the answer through a
real Mosquitto, the QR read back from the screen, the button, "rated" notices, the hub away."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from msgspec import UNSET

from hailong import contract
from hailong.broker import Broker
from hailong.topics import kiosk_topic, office_topic
from kiosk.phone import LINK_WAIT, QR_THANKS
from kiosk.receipt import receipt_hash
from tests.support import RawClient, require, wait_until
from tests.support.kiosk import RECEIPT_KEY, ScannerPty, kiosk_settings, running_app
from tests.support.phone import (
    KIOSK,
    OFFICE,
    LinkDesk,
    decoded_qr_codes,
    drawn_modules,
)
from tools.drive import Driver

CODE = b"H21.65-220914-0011"
H = receipt_hash(CODE.decode(), RECEIPT_KEY)
URL = "http://127.0.0.1:8765/r/v1.ubnd-a.1.receive.Zm9vYmFyYmF6cXV4.c2lnbmF0dXJl"
RESULT_URL = "http://127.0.0.1:8765/r/v1.ubnd-a.1.result.cXV4YmF6YmFyZm9v.c2lnbmF0dXJl"


@pytest.fixture
def desk(broker: Broker) -> Iterator[LinkDesk]:
    answering = LinkDesk(broker.url)
    yield answering
    answering.close()


def scan(drive: Driver, pty: ScannerPty, code: bytes = CODE) -> None:
    app = drive.app
    wait_until(lambda: app.scanner is not None and app.scanner.state == "ok", message="scanner")
    pty.send(code + b"\r")
    wait_until(lambda: drive.step() or app.state.screen in ("question", "notice"),
               message="the scan to reach the flow")


def link_shown(drive: Driver) -> bool:
    drive.step()
    links = (drive.app.state.link, drive.app.state.result_link)
    return all(link is not None and link.ready for link in links)


def assert_reads(drive: Driver, box_name: str, url: str) -> None:
    """The code in ``box_name`` is ``url``: module by module, and as a phone camera reads it."""
    app = drive.app
    assert app.screen is not None and app.layout is not None
    exact, quiet = drawn_modules(app.screen, app.layout.boxes[box_name], url)
    assert exact and quiet, "the QR drawn is not the link's code with its quiet zone"
    require("zxing-cpp", importlib.util.find_spec("zxingcpp") is not None,
            "pip install -e '.[dev]' (a QR decoder for the tests)")
    assert decoded_qr_codes(app.screen) == [url]


def test_a_scan_asks_the_hub_and_the_thank_you_shows_the_link_as_a_qr(
        tmp_path: Path, broker: Broker, desk: LinkDesk, scanner_pty: ScannerPty) -> None:
    settings = kiosk_settings(tmp_path, broker.url, scanner__port=str(scanner_pty.link),
                              stage="receive", counter="3")
    with running_app(settings, size=(1024, 600), connect=True) as drive:
        app = drive.app
        wait_until(lambda: app.desk.connected, message="the kiosk connected")
        scan(drive, scanner_pty)
        now, later = desk.requests(2)
        assert (now.h, now.counter, now.stage) == (H, "3", "receive")
        assert (later.h, later.counter, later.stage) == (H, "3", "result")
        assert not any(CODE in payload for payload in desk.client.received(
            kiosk_topic(OFFICE, KIOSK, "link-request")))
        desk.answer(now.request, URL)
        desk.answer(later.request, RESULT_URL)
        wait_until(lambda: link_shown(drive), message="the link at the kiosk")
        assert "phone" in app.layout.targets  # type: ignore[union-attr]
        drive.keys("5-")  # rated at the kiosk after all, and sent
        assert app.state.screen == "thanks"
        assert_reads(drive, "link-qr", RESULT_URL)  # to rate the result on the phone later
        texts = " ".join(d.text for d in app.painter.drawn)  # type: ignore[union-attr]
        assert "Quét mã QR để đánh giá trên điện thoại" in texts
        assert app.desk.rated_stages(H) == {"receive"}  # rated here: closed at the kiosk
        drive.step(QR_THANKS.total_seconds() - 1)
        assert app.state.screen == "thanks"  # held long enough to take out a phone
        drive.step(1)
        assert app.state.screen == "idle"


def test_rate_later_on_the_phone_shows_the_qr_full_screen_and_stores_nothing(
        tmp_path: Path, broker: Broker, desk: LinkDesk, scanner_pty: ScannerPty) -> None:
    settings = kiosk_settings(tmp_path, broker.url, scanner__port=str(scanner_pty.link))
    with running_app(settings, size=(800, 480), connect=True) as drive:
        app = drive.app
        wait_until(lambda: app.desk.connected, message="the kiosk connected")
        scan(drive, scanner_pty)
        request, later = desk.requests(2)
        assert request.stage is UNSET  # "any" kiosk: the stage is not known yet
        desk.answer(request.request, URL)
        desk.answer(later.request, RESULT_URL)
        wait_until(lambda: link_shown(drive), message="the link at the kiosk")
        texts = [d.text for d in app.painter.drawn]  # type: ignore[union-attr]
        assert "Đánh giá sau trên điện thoại" in texts
        drive.tap_target("phone")
        assert app.state.screen == "phone"
        assert_reads(drive, "qr", URL)
        texts = [d.text for d in app.painter.drawn]  # type: ignore[union-attr]
        assert "Quét mã QR bằng điện thoại để đánh giá khi thuận tiện" in texts
        assert not any(d.truncated for d in app.painter.drawn)  # type: ignore[union-attr]
        drive.tap((5, app.screen.get_height() // 2))  # a touch beside the code: still there
        assert app.state.screen == "phone"
        drive.tap_target("phone-done")
        assert app.state.screen == "idle"
        assert app.desk.stats().last_seq == 0  # no response
        assert app.desk.rated_stages(H) == frozenset()  # the phone rating will close it


def test_a_rated_notice_closes_the_dossier_at_the_kiosk_and_bad_payloads_are_dropped(
        tmp_path: Path, broker: Broker, scanner_pty: ScannerPty,
        caplog: pytest.LogCaptureFixture) -> None:
    settings = kiosk_settings(tmp_path, broker.url, scanner__port=str(scanner_pty.link),
                              stage="receive")
    status = kiosk_topic(OFFICE, KIOSK, "status")
    hub = RawClient(broker.url, client_id="hub-standin", subscribe=(status,))
    try:
        with running_app(settings, connect=True) as drive:
            app = drive.app
            # the kiosk's status is published after its subscriptions on the same connection:
            # once it is at the broker, so are the kiosk's subscriptions
            wait_until(lambda: hub.received(status), message="the kiosk's status")
            rated = office_topic(OFFICE, "rated")
            hub.publish(rated, b"{not json")
            hub.publish(rated, b'{"v":1,"h":"CODE-IN-CLEAR"}')
            hub.publish(kiosk_topic(OFFICE, KIOSK, "link"), b'{"v":1,"request":"x","url":1}')
            hub.publish(rated, contract.rated_message(H, None))  # no stage: receiving
            wait_until(lambda: app.desk.rated_stages(H) == {"receive"}, message="recorded")
            assert sum("ignored a malformed" in r.message for r in caplog.records) == 3
            scan(drive, scanner_pty)
            assert app.state.screen == "notice" and app.state.notice == "notice.already_rated"
            texts = [d.text for d in app.painter.drawn]  # type: ignore[union-attr]
            assert "Hồ sơ này đã được đánh giá" in texts
            drive.step(5)
            hub.publish(rated, contract.rated_message(H, "result"))
            wait_until(lambda: app.desk.rated_stages(H) == {"receive", "result"},
                       message="the result stage recorded")
        assert app.desk.stats().last_seq == 0
    finally:
        hub.close()


def test_with_the_hub_away_there_is_no_button_and_no_qr_and_nobody_waits(
        tmp_path: Path, broker: Broker, desk: LinkDesk, scanner_pty: ScannerPty) -> None:
    settings = kiosk_settings(tmp_path, broker.url, scanner__port=str(scanner_pty.link),
                              stage="receive")
    with running_app(settings, connect=True) as drive:
        app = drive.app
        wait_until(lambda: app.desk.connected, message="the kiosk connected")
        scan(drive, scanner_pty)
        desk.requests(2)  # asked, and never answered: the hub is down
        assert "phone" not in app.layout.targets  # type: ignore[union-attr]
        drive.step(LINK_WAIT.total_seconds())
        assert app.state.link is None and app.state.result_link is None  # given up
        drive.keys("4-")
        assert app.state.screen == "thanks" and "body" in app.layout.boxes  # type: ignore[union-attr]
        assert "link-qr" not in app.layout.boxes  # type: ignore[union-attr]
        assert app.stored and app.desk.rated_stages(H) == {"receive"}


def test_with_the_broker_away_the_scan_opens_at_once_without_a_link(
        tmp_path: Path, scanner_pty: ScannerPty) -> None:
    settings = kiosk_settings(tmp_path, scanner__port=str(scanner_pty.link), stage="receive")
    with running_app(settings, connect=True) as drive:  # no broker listens on its port
        app = drive.app
        scan(drive, scanner_pty)
        assert app.state.screen == "question" and app.state.link is None
        assert "phone" not in app.layout.targets  # type: ignore[union-attr]
        drive.keys("3-")
        assert app.state.screen == "thanks" and "link-qr" not in app.layout.boxes  # type: ignore[union-attr]
        # the thank-you as before: its own length, not held for a code nobody can scan
        assert app.state.until == drive.now + timedelta(seconds=settings.kiosk.thank_you_seconds)


def test_a_hub_saying_already_rated_closes_the_dossier_for_the_next_scan(
        tmp_path: Path, broker: Broker, desk: LinkDesk, scanner_pty: ScannerPty) -> None:
    settings = kiosk_settings(tmp_path, broker.url, scanner__port=str(scanner_pty.link),
                              stage="receive")
    with running_app(settings, connect=True) as drive:
        app = drive.app
        wait_until(lambda: app.desk.connected, message="the kiosk connected")
        scan(drive, scanner_pty, b"H21.65-220914-0012")
        for request in desk.requests(2):
            desk.refuse(request.request, "refused", "unknown counter")
        wait_until(lambda: drive.step() or app.state.link is app.state.result_link is None,
                   message="the refusals")
        drive.step(40)  # walked away before answering: nothing stored
        assert app.state.screen == "idle"
        scan(drive, scanner_pty)
        # rated on a phone while this kiosk missed the "rated" notice: the hub says so
        now, later = desk.requests(2, seen=2)
        desk.refuse(now.request, "already-rated", "rated at this stage")
        desk.answer(later.request, RESULT_URL)  # the result is still to be rated
        wait_until(lambda: drive.step() or app.state.link is None, message="the refusal")
        assert "phone" not in app.layout.targets  # type: ignore[union-attr]
        assert app.desk.rated_stages(H) == {"receive"}
        assert app.desk.rated_stages(receipt_hash("H21.65-220914-0012", RECEIPT_KEY)) == set()
        drive.step(40)
        scan(drive, scanner_pty)
        assert app.state.screen == "notice" and app.state.notice == "notice.already_rated"
