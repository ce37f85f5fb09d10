"""``hailong hub poster``: an A4 PDF naming the office and counter, whose link (signed with the
running hub's own secret) opens the phone questionnaire and counts under ``web-poster``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from hailong.broker import Broker
from tests.support import RunningHub, hailong_cli
from tests.support.web import Phone, web_hub

A4_POINTS = (595, 842)


@pytest.fixture
def running(tmp_path: Path, broker: Broker) -> Iterator[RunningHub]:
    hub = web_hub(tmp_path, broker, client_id="hailong-hub-poster")
    yield hub
    hub.stop()


def test_a_poster_is_an_a4_pdf_whose_qr_link_rates_the_counter(tmp_path: Path,
                                                              running: RunningHub) -> None:
    config = tmp_path / "hub" / "hub.toml"
    target = tmp_path / "poster.pdf"
    result = hailong_cli("hub", "poster", "ubnd-a", "q3", "--config", str(config),
                         "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert "[web] public_url is not set" in result.stderr  # the QR would point at loopback
    page = PdfReader(target).pages[0]
    assert tuple(round(float(v)) for v in page.mediabox[2:]) == A4_POINTS
    text = " ".join(page.extract_text().split())
    for expected in ("Đánh giá sự phục vụ", "UBND phường An Bình", "Quầy 3 — Tư pháp, hộ tịch",
                     "Quét mã QR bằng camera điện thoại"):
        assert expected in text
    assert len(page.images) == 1  # the QR code
    link = re.search(r"its link: (\S+)", result.stdout)
    assert link and link.group(1).startswith(running.url + "/p/")
    phone = Phone(running.url, "198.51.100.4")
    try:
        assert phone.open(link.group(1)).status_code == 200
        phone.tap("answer:4")
        assert phone.tap("send").status_code == 200 and phone.heading() == "Cảm ơn Ông/Bà!"
    finally:
        phone.close()
    with running.hub.store.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT channel, counter, receipt_h FROM responses").all()
    assert [tuple(r) for r in rows] == [("web-poster", "q3", None)]


def test_an_office_missing_from_the_roster_gets_one_clear_line(tmp_path: Path,
                                                             running: RunningHub) -> None:
    result = hailong_cli("hub", "poster", "ubnd-x", "q3", "--config",
                         str(tmp_path / "hub" / "hub.toml"), "-o", str(tmp_path / "x.pdf"))
    assert result.returncode != 0
    assert "office 'ubnd-x' is not in the roster" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "x.pdf").exists()
