"""Builds what only a rating or a PIN needs (outbox, MQTT, scanner, PIN lockout) on its own thread.

Importing SQLAlchemy and paho and opening the SQLite outbox are most of a cold start, and the
idle screen needs none of them: the app draws the idle screen first, then starts an
:class:`Opening`, and tells the flow ``OutboxOpened`` once it is done. Until then the flow opens
no questionnaire, so no rating can be accepted before it can be stored, and no PIN screen, so
no PIN is tried before its lockout (kept in the outbox's database) is known.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from kiosk.settings import KioskSettings

if TYPE_CHECKING:
    from kiosk.pinlock import PinLock
    from kiosk.recorder import ResponseDesk
    from kiosk.scanner import ScannerReader, ScannerState

T = TypeVar("T")


@dataclass(frozen=True)
class Opened:
    """What the opening built: all of it lives in (or reads) the outbox's database."""

    desk: ResponseDesk
    scanner: ScannerReader | None
    pin_lock: PinLock  # the service PIN's lockout, kept in the outbox's database


def open_desk(settings: KioskSettings, questionnaire: str,
              status_extra: Callable[[], dict[str, Any]], on_config: Callable[[bytes], None],
              on_scanner_state: Callable[[ScannerState], None], connect: bool,
              screen_idle: threading.Event | None = None,
              on_results: Callable[[bytes], None] | None = None) -> Opened:
    """The outbox opened (and, with ``connect``, delivery, MQTT and the scanner started).
    SQLAlchemy, paho and pyserial are imported here, on the opening thread, and nowhere before."""
    from kiosk.pinlock import PinLock
    from kiosk.recorder import ResponseDesk

    desk = ResponseDesk(settings, questionnaire, status_extra=status_extra, on_config=on_config,
                        screen_idle=screen_idle, on_results=on_results)
    pin_lock = PinLock(desk.outbox.engine)
    scanner = None
    if settings.scanner.port:
        from kiosk.scanner import ScannerReader

        scanner = ScannerReader(settings.scanner.port, settings.scanner.baudrate,
                                on_state=on_scanner_state)
    if connect:
        desk.start()
        if scanner is not None:
            scanner.start()
    return Opened(desk, scanner, pin_lock)


class Opening(Generic[T]):
    """``build()`` run once on a daemon thread; its result (or its exception) taken once."""

    def __init__(self, build: Callable[[], T], name: str = "opening") -> None:
        self._build = build
        self._done = threading.Event()
        self._result: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        try:
            self._result = self._build()
        except BaseException as exc:  # handed to the loop's thread, which raises it
            self._error = exc
        finally:
            self._done.set()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until built (tests and shutdown only: the screen loop polls ``done``)."""
        return self._done.wait(timeout)

    def result(self) -> T:
        """What ``build`` returned; raises what it raised. Only once ``done``."""
        if not self._done.is_set():
            raise RuntimeError("still opening")
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result
