"""The kiosk's idle line of last month's results ([kiosk] show_results): worded from the
catalogues (a table), and drawn by a real kiosk (pygame dummy) from the retained message a real
hub publishes through a real Mosquitto, again when an action is done."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from hailong import contract
from hailong.broker import Broker
from hailong.topics import office_topic
from hub.store import tables as t
from kiosk.results import MonthResults, idle_lines, read_results
from tests.support import RawClient, RunningHub, hub_settings, wait_until, write_toml
from tests.support.kiosk import kiosk_settings, running_app


@pytest.mark.parametrize(("results", "lang", "lines"), [
    (MonthResults("2026-11", 184, 0.92, "Thêm 20 ghế chờ"), "vi",
     ("Tháng 11/2026: 92% người dân hài lòng (184 lượt)",
      "Ông/Bà đã góp ý – chúng tôi đã làm: Thêm 20 ghế chờ")),
    (MonthResults("2026-11", 1840, 0.915, ""), "vi",
     ("Tháng 11/2026: 92% người dân hài lòng (1.840 lượt)",)),
    (MonthResults("2026-01", 12, None, ""), "vi",
     ("Tháng 01/2026: chưa đủ lượt đánh giá để công bố (12 lượt)",)),
    (MonthResults("2026-11", 184, 0.92, ""), "en", ("2026-11: 92 % of citizens satisfied "
                                                    "(184 answers)",)),
    (None, "vi", ()),
])
def test_the_idle_line_as_worded(results: MonthResults | None, lang: str,
                                 lines: tuple[str, ...]) -> None:
    assert idle_lines(results, lang) == lines


def message(office: str = "ubnd-a", **change: object) -> bytes:
    document = {"v": 1, "office": office, "month": "2026-11", "n": 184, "satisfied": 0.92,
                "too_few": False, "min_n": 30, "action": None, **change}
    return contract.encode(document)


def test_a_results_message_is_read_once_and_checked() -> None:
    assert read_results(message(), "ubnd-a") == MonthResults("2026-11", 184, 0.92, "")
    assert read_results(message(action={"measure": "A", "result": "B"}), "ubnd-a") == \
        MonthResults("2026-11", 184, 0.92, "A")
    assert read_results(message(too_few=True, satisfied=None), "ubnd-a").satisfied is None
    assert read_results(message(office="ubnd-b"), "ubnd-a") is None  # another office's
    assert read_results(message(month="2026-13"), "ubnd-a") is None  # breaks the contract
    assert read_results(b"{not json", "ubnd-a") is None
    assert read_results(b"", "ubnd-a") is None  # a cleared retained message


ROSTER = """
[[offices]]
id = "ubnd-a"
name = "UBND phường A"
province = "khanh-hoa"
"""


def drawn(app: object) -> list[str]:
    painter = app.painter  # type: ignore[attr-defined]
    return [d.text for d in painter.drawn] if painter is not None else []


def test_a_kiosk_shows_its_office_month_from_the_hubs_retained_message(
        tmp_path: Path, broker: Broker) -> None:
    roster = write_toml(tmp_path / "roster.toml", ROSTER)
    hub = RunningHub(hub_settings(tmp_path / "hub", broker.url, roster=str(roster),
                                  client_id="hailong-hub-results", hub="min_n = 1"))
    watcher = RawClient(broker.url, subscribe=(office_topic("ubnd-a", "results"),))
    try:
        wait_until(lambda: watcher.received(office_topic("ubnd-a", "results")),
                   message="the hub's retained results")
        month = (date.today().replace(day=1) - timedelta(days=1))
        line = f"Tháng {month:%m/%Y}: chưa đủ lượt đánh giá để công bố (0 lượt)"
        settings = kiosk_settings(tmp_path / "kiosk", broker.url, show_results="true")
        with running_app(settings, connect=True) as drive:
            def shown(text: str) -> bool:
                drive.step(0.1)
                return text in drawn(drive.app)

            wait_until(lambda: shown(line), message="the idle line drawn")
            # an action done last month: the hub republishes, the kiosk draws it
            store = hub.hub.store
            action = store.add_action("ubnd-a", {
                "problem_kind": "factor", "problem_ref": "1", "problem": "",
                "measure": "Thêm 20 ghế chờ", "responsible": "Văn phòng",
                "due": month, "status": "done", "result": "Đủ chỗ ngồi"},
                "root", datetime.now(UTC))
            with store.engine.begin() as conn:
                conn.execute(t.actions.update().where(t.actions.c.id == action).values(
                    done_at=datetime.combine(month, datetime.min.time(), UTC)
                    + timedelta(hours=5)))
            hub.hub.dashboard.action_done("ubnd-a")
            wait_until(lambda: shown("Ông/Bà đã góp ý – chúng tôi đã làm: Thêm 20 ghế chờ"),
                       message="the action done drawn")
    finally:
        watcher.close()
        hub.stop()


def test_without_show_results_the_idle_screen_has_no_line(tmp_path: Path) -> None:
    settings = kiosk_settings(tmp_path / "kiosk")
    with running_app(settings) as drive:
        drive.app.results = read_results(message(), "ubnd-a")
        drive.app.render(force=True)
        assert not [text for text in drawn(drive.app) if "người dân hài lòng" in text]


SIZES = [(800, 480), (1024, 600), (1280, 800), (1920, 1080), (1080, 1920)]


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_idle_line_fits_every_screen_beside_a_full_size_start(tmp_path: Path,
                                                                 size: tuple[int, int]) -> None:
    from kiosk import layout

    settings = kiosk_settings(tmp_path / "kiosk", show_results="true")
    with running_app(settings, size) as drive:
        app = drive.app
        app.results = MonthResults("2026-11", 1840, 0.92,
                                   "Thêm 20 ghế chờ và một quầy tiếp nhận buổi sáng thứ Hai")
        app.render(force=True)
        lines = [d for d in app.painter.drawn if d.text in idle_lines(app.results, "vi")]
        assert len(lines) == 2 and not [d for d in lines if d.truncated]
        metrics = layout.metrics(size, settings.kiosk.pixels_per_mm)
        start, results = app.layout.boxes["start"], app.layout.boxes["results"]
        assert min(start.w, start.h) >= metrics.target
        assert start.bottom <= results.y and results.bottom <= metrics.height
