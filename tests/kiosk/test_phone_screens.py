"""The phone link's screens at every listed size: the first question with "Rate later on my
phone", the full-screen QR, and a thank-you with two codes (complaints and the phone link)."""

from __future__ import annotations

import importlib.util
import uuid
from pathlib import Path

import pygame
import pytest

from hailong.broker import Broker
from kiosk import flow
from kiosk.receipt import Receipt
from tests.support import require, wait_until
from tests.support.kiosk import kiosk_settings, running_app
from tests.support.phone import LinkDesk, decoded_qr_codes, misfits

SIZES = [(800, 480), (1024, 600), (1280, 800), (1920, 1080), (1080, 1920)]
RECEIPT = Receipt("d" * 64, "H21.65", "2026-12-03")
URL = "https://motcua.example.gov.vn/r/v1.ubnd-a.3.receive.Zm9vYmFyYmF6cXV4.c2lnbmF0dXJlcw"
RESULT = "https://motcua.example.gov.vn/r/v1.ubnd-a.3.result.cXV4YmF6YmFyZm9v.c2lnbmF0dXJlcw"
COMPLAINT = "https://dichvucong.gov.vn/p/home/dvc-phan-anh-kien-nghi.html"


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_phone_screens_fit_every_size(tmp_path: Path, broker: Broker, size: tuple[int, int],
                                      lang: str) -> None:
    settings = kiosk_settings(tmp_path, broker.url, complaint_url=COMPLAINT, stage="receive",
                              language=lang)
    desk = LinkDesk(broker.url)
    shots = tmp_path / "shots"
    shots.mkdir()
    try:
        with running_app(settings, size=size, connect=True) as drive:
            app = drive.app
            wait_until(lambda: app.desk.connected, message="the kiosk connected")
            for citizen in range(2):
                app.dispatch(flow.Scan("receipt", RECEIPT, request=str(uuid.uuid4()),
                                       result_request=str(uuid.uuid4()), now=drive.now))
                for request in desk.requests(2, seen=2 * citizen):
                    desk.answer(request.request, URL if request.stage == "receive" else RESULT)
                wait_until(lambda: drive.step() or all(
                    link is not None and link.ready
                    for link in (app.state.link, app.state.result_link)), message="links")
                assert "phone" in app.layout.targets, "no button"  # type: ignore[union-attr]
                assert misfits(app) == []
                if citizen == 0:
                    drive.tap_target("phone")
                    name = "phone"
                else:
                    drive.key("1")  # very dissatisfied: the complaint channel too
                    drive.key("-")
                    name = "thanks"
                assert app.state.screen == name
                assert misfits(app) == []
                assert app.screen is not None
                pygame.image.save(app.screen, str(shots / f"{name}.png"))
                require("zxing-cpp", importlib.util.find_spec("zxingcpp") is not None,
                        "pip install -e '.[dev]' (a QR decoder for the tests)")
                expected = {URL} if name == "phone" else {RESULT, COMPLAINT}
                assert set(decoded_qr_codes(app.screen)) == expected
                drive.key("enter")
                assert app.state.screen == "idle"
    finally:
        desk.close()
