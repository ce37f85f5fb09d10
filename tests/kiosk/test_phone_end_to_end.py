"""From a kiosk's scan to a phone rating and back: the real kiosk, a real pty scanner, a real
Mosquitto, the real hub signing the link, the phone form over HTTP, the kiosk then refusing."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest

from hailong.broker import Broker
from kiosk.phone import QR_THANKS
from kiosk.receipt import receipt_hash
from tests.support import RunningHub, require, wait_until
from tests.support.kiosk import RECEIPT_KEY, ScannerPty, kiosk_settings, running_app
from tests.support.phone import decoded_qr_codes
from tests.support.web import Phone, web_hub

CODE = b"H21.65-221203-0042"
H = receipt_hash(CODE.decode(), RECEIPT_KEY)


@pytest.fixture
def hub(tmp_path: Path, broker: Broker) -> Iterator[RunningHub]:
    running = web_hub(tmp_path, broker)
    yield running
    running.stop()


def web_rows(hub: RunningHub) -> list[tuple[str, str, str | None, str]]:
    with hub.hub.store.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT channel, receipt_h, stage, counter FROM responses").all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def test_scan_then_rate_on_the_phone_counts_once_under_web_and_the_kiosk_refuses_after(
        tmp_path: Path, broker: Broker, hub: RunningHub, scanner_pty: ScannerPty) -> None:
    require("zxing-cpp", importlib.util.find_spec("zxingcpp") is not None,
            "pip install -e '.[dev]' (a QR decoder for the tests)")
    settings = kiosk_settings(tmp_path / "kiosk", broker.url, counter="q3", stage="receive",
                              scanner__port=str(scanner_pty.link))
    with running_app(settings, size=(1024, 600), connect=True) as drive:
        app = drive.app
        wait_until(lambda: app.desk.connected and app.scanner is not None
                   and app.scanner.state == "ok", message="the kiosk connected, scanner ok")
        scanner_pty.send(CODE + b"\r")
        wait_until(lambda: drive.step() or (app.state.link is not None and app.state.link.ready),
                   message="the hub's signed link at the kiosk")
        drive.tap_target("phone")  # "Đánh giá sau trên điện thoại"
        assert app.state.screen == "phone" and app.screen is not None
        [url] = decoded_qr_codes(app.screen)  # what the citizen's camera reads
        assert url.startswith(hub.url + "/r/")
        drive.tap_target("phone-done")
        assert app.state.screen == "idle" and app.desk.stats().last_seq == 0

        phone = Phone(hub.url)
        try:
            assert phone.open(url).status_code == 200
            phone.tap("answer:4")
            phone.tap("send")
            assert phone.heading() == "Cảm ơn Ông/Bà!"
        finally:
            phone.close()
        assert web_rows(hub) == [("web", H, "receive", "q3")]
        status, scores = hub.get("/api/v1/offices/ubnd-a/scores?channel=web")
        assert status == 200 and scores["responses"] == 1

        wait_until(lambda: app.desk.rated_stages(H) == {"receive"},
                   message="the hub's rated notice at the kiosk")
        drive.step(6)
        scanner_pty.send(CODE + b"\r")
        wait_until(lambda: drive.step() or app.state.screen == "notice",
                   message="the same dossier refused at the kiosk")
        assert app.state.notice == "notice.already_rated"
        assert app.desk.stats().last_seq == 0  # nothing rated at the kiosk
    assert len(web_rows(hub)) == 1


def test_the_thank_you_code_rates_the_result_on_the_phone_and_closes_the_dossier(
        tmp_path: Path, broker: Broker, hub: RunningHub, scanner_pty: ScannerPty) -> None:
    require("zxing-cpp", importlib.util.find_spec("zxingcpp") is not None,
            "pip install -e '.[dev]' (a QR decoder for the tests)")
    settings = kiosk_settings(tmp_path / "kiosk", broker.url, counter="q3",
                              scanner__port=str(scanner_pty.link))  # stage "any": it asks
    with running_app(settings, size=(1280, 800), connect=True) as drive:
        app = drive.app
        wait_until(lambda: app.desk.connected and app.scanner is not None
                   and app.scanner.state == "ok", message="the kiosk connected, scanner ok")
        scanner_pty.send(CODE + b"\r")
        wait_until(lambda: drive.step() or (app.state.result_link is not None
                                            and app.state.result_link.ready),
                   message="the result stage's link at the kiosk")
        drive.keys("5")
        assert app.state.session is not None and app.state.session.current == "_stage"
        drive.keys("1-")  # "Vừa nộp hồ sơ", then Send: rated at the kiosk for receiving
        assert app.state.screen == "thanks" and app.screen is not None
        [url] = decoded_qr_codes(app.screen)
        wait_until(lambda: app.desk.stats().depth == 0, message="the kiosk's rating delivered")

        phone = Phone(hub.url)  # days later, the result collected: rated on the phone
        try:
            assert phone.open(url).status_code == 200
            phone.tap("answer:3")
            phone.tap("send")
            assert phone.heading() == "Cảm ơn Ông/Bà!"
            assert phone.open(url).status_code == 409  # once
        finally:
            phone.close()
        assert sorted(web_rows(hub)) == [("kiosk", H, "receive", "q3"), ("web", H, "result", "q3")]
        wait_until(lambda: app.desk.rated_stages(H) == {"receive", "result"},
                   message="the hub's rated notice at the kiosk")
        drive.step(QR_THANKS.total_seconds())
        scanner_pty.send(CODE + b"\r")
        wait_until(lambda: drive.step() or app.state.screen == "notice",
                   message="the dossier refused at both stages")
        assert app.state.notice == "notice.already_rated"
