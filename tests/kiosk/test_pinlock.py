"""The service PIN's lockout: on disk, growing per round, and 6-digit PINs; through the real app.

The lockout lives in the kiosk's own SQLite database (kiosk/pinlock.py): a kiosk restarted in the
middle of a lock is still locked, each round of five wrong PINs locks twice as long as the last,
and a 6-digit PIN opens the service screen. The app runs under SDL's dummy driver with real
pygame key events; its clock is the driver's.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from sqlalchemy import create_engine

from hailong.questionnaire import find_questionnaire
from kiosk import flow
from kiosk.app import KioskApp
from kiosk.pinlock import FIRST_LOCKOUT, MAX_LOCKOUT, ROUND, PinLock, lockout
from kiosk.speech import Speaker
from tests.support.kiosk import kiosk_settings, running_app
from tools.drive import Driver

PIN = "482915"
PIN_HASH = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1).hash(PIN)


def test_each_round_locks_twice_as_long_up_to_a_day() -> None:
    minutes = [lockout(r) / timedelta(minutes=1) for r in range(1, 13)]
    assert minutes == [5, 10, 20, 40, 80, 160, 320, 640, 1280, 1440, 1440, 1440]
    assert lockout(1) == FIRST_LOCKOUT and lockout(10_000) == MAX_LOCKOUT


def test_the_lock_is_kept_on_disk_and_grows_per_round(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'outbox.db'}"
    now = datetime(2026, 11, 23, 9, 0).astimezone()
    tries: list[str] = []

    def verify(pin: str) -> bool:
        tries.append(pin)
        return pin == PIN

    lock = PinLock(create_engine(url))
    verdicts = [lock.check("0000", verify, now) for _ in range(ROUND)]
    assert [v.locked_until for v in verdicts[:-1]] == [None] * (ROUND - 1)
    assert verdicts[-1].locked_until == now + timedelta(minutes=5)
    restarted = PinLock(create_engine(url))  # a kiosk restart reads the same file
    assert restarted.locked_until(now + timedelta(minutes=4)) == now + timedelta(minutes=5)
    refused = restarted.check(PIN, verify, now + timedelta(minutes=4))
    assert not refused.ok and len(tries) == ROUND  # the right PIN is not even tried while locked
    later = now + timedelta(minutes=5)
    second = [restarted.check("1111", verify, later) for _ in range(ROUND)][-1]
    assert second.locked_until == later + timedelta(minutes=10)
    after = later + timedelta(minutes=10)
    assert PinLock(create_engine(url)).check(PIN, verify, after).ok
    third = [restarted.check("2222", verify, after) for _ in range(ROUND)][-1]
    assert third.locked_until == after + timedelta(minutes=5)  # a right PIN starts afresh


def open_pin_screen(drive: object) -> None:
    drive.tap((5, 5), hold=3.1)  # type: ignore[attr-defined]
    assert drive.app.state.screen == "pin"  # type: ignore[attr-defined]


def test_a_restarted_kiosk_keeps_its_pin_screen_locked(tmp_path: Path) -> None:
    settings = kiosk_settings(tmp_path, service_pin_hash=PIN_HASH)
    with running_app(settings) as drive:
        open_pin_screen(drive)
        for _ in range(ROUND):
            drive.keys("1234\n")
        assert drive.app.state.pin_message == "pin.locked"
        drive.key("escape")
    with running_app(settings) as drive:  # the same data folder: the same outbox database
        assert drive.app.state.pin_locked_until is not None
        open_pin_screen(drive)
        assert drive.app.state.pin_message == "pin.locked"
        drive.keys(PIN + "\n")
        assert drive.app.state.screen == "pin" and drive.app.state.pin_message == "pin.locked"


def test_the_pin_screen_waits_for_the_outbox_and_its_lock(tmp_path: Path) -> None:
    """A corner held while the outbox is still opening (held by another writer, as a slow disk
    would) shows "one moment"; the PIN screen opens once the outbox is, already locked."""
    settings = kiosk_settings(tmp_path, service_pin_hash=PIN_HASH)
    with running_app(settings) as drive:  # lock the PIN screen, on disk
        open_pin_screen(drive)
        for _ in range(ROUND):
            drive.keys("1234\n")
        assert drive.app.state.pin_message == "pin.locked"
    path = Path(settings.database_url().removeprefix("sqlite:///"))
    holder = sqlite3.connect(path, isolation_level=None)
    # out of WAL, so that even reading the outbox (and the lock's table) waits for the holder
    assert holder.execute("PRAGMA journal_mode=DELETE").fetchone() == ("delete",)
    holder.execute("BEGIN EXCLUSIVE")
    app = KioskApp(settings, find_questionnaire(settings.kiosk.questionnaire_name()),
                   size=(1024, 600), speaker=Speaker("off"))
    app.open(connect=False)
    try:
        drive = Driver(app)
        drive.step()  # the idle screen; the opening starts behind it
        drive.tap((5, 5), hold=3.1)
        assert (app.state.screen, app.state.notice) == ("notice", flow.OPENING)
        drive.keys(PIN + "\n")
        assert app.state.screen == "notice"  # no PIN tried before its lock is known
        holder.execute("COMMIT")
        assert app.wait_until_open(30)
        drive.step()
        assert app.state.screen == "pin" and app.state.pin_message == "pin.locked"
        drive.keys(PIN + "\n")
        assert app.state.screen == "pin" and app.state.pin_message == "pin.locked"
    finally:
        holder.close()
        app.close()


def test_a_six_digit_pin_opens_the_service_screen(tmp_path: Path) -> None:
    with running_app(kiosk_settings(tmp_path, service_pin_hash=PIN_HASH)) as drive:
        open_pin_screen(drive)
        drive.keys("48291\n")
        assert drive.app.state.pin_message == "pin.wrong"
        drive.keys(PIN + "\n")
        assert drive.app.state.screen == "service"
