"""The serial receipt scanner: a read thread that survives unplugging; the only pyserial import.

Bytes become codes in :class:`LineAssembler` (pure): lines end in CR, LF, CRLF or TAB; lines
with non-printable bytes, over-long lines and stale partial lines are dropped and counted. The
reader opens the port (a device path, or ``auto`` for the first USB serial device), reports
``ok`` while it is open, ``absent`` while the device is not there and ``error`` when it fails,
and tries again every few seconds. Codes go to a queue the screen loop drains, so a slow or
vanished scanner never blocks the UI. Codes are never logged: they are dossier numbers.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from typing import Literal

import serial
from serial.tools import list_ports

log = logging.getLogger(__name__)

ScannerState = Literal["ok", "absent", "error"]

TERMINATORS = b"\r\n\t"
# Dossier codes are about 20 characters, officer cards shorter; 128 leaves room for a
# province's own format while a stream of noise is cut off early.
MAX_LINE = 128
# A scanner sends a whole code within milliseconds: a partial line older than this is the
# remains of an interrupted scan, not the start of the next one.
STALE_PARTIAL = 2.0
# Unplugged: look for the device again this often (a replugged scanner works within seconds).
RETRY_SECONDS = 2.0
# How long one read waits for bytes, so the thread notices a stop request promptly.
READ_TIMEOUT = 0.2


class LineAssembler:
    """Bytes in, clean codes out; everything else is counted in ``dropped``."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._bad = False
        self._started = 0.0
        self.dropped = 0

    def feed(self, data: bytes, now: float) -> list[str]:
        codes: list[str] = []
        if self._buffer and now - self._started > STALE_PARTIAL:
            self.discard()
        for byte in data:
            if byte in TERMINATORS:
                code = self._finish()
                if code:
                    codes.append(code)
                continue
            if not self._buffer and not self._bad:
                self._started = now
            if not 0x20 <= byte < 0x7F or len(self._buffer) >= MAX_LINE:
                self._bad = True
            else:
                self._buffer.append(byte)
        return codes

    @property
    def partial(self) -> int:
        """Bytes of a code begun and not yet ended (how a test sees a scan cut short)."""
        return len(self._buffer)

    def _finish(self) -> str:
        bad, text = self._bad, self._buffer.decode("ascii").strip()
        self._buffer.clear()
        self._bad = False
        if bad:
            self.dropped += 1
            return ""
        return text

    def discard(self) -> None:
        """Forget a partial line (the port closed, or it went stale)."""
        if self._buffer or self._bad:
            self.dropped += 1
        self._buffer.clear()
        self._bad = False


def find_usb_serial() -> str | None:
    """The first USB serial device (barcode scanners in serial mode are USB CDC-ACM devices)."""
    ports = sorted((p for p in list_ports.comports() if p.vid is not None), key=lambda p: p.device)
    return ports[0].device if ports else None


class ScannerReader:
    def __init__(self, port: str, baudrate: int,
                 on_state: Callable[[ScannerState], None] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.port = port
        self.baudrate = baudrate
        self.codes: queue.SimpleQueue[str] = queue.SimpleQueue()
        self.state: ScannerState = "absent"
        self.last_scan: float | None = None  # time.time() of the last code
        self.assembler = LineAssembler()
        self._on_state = on_state
        self._clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def dropped(self) -> int:
        return self.assembler.dropped

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="scanner", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)

    def _set_state(self, state: ScannerState) -> None:
        if state != self.state:
            self.state = state
            log.info("scanner %s", state)
            if self._on_state is not None:
                self._on_state(state)

    def _device(self) -> str | None:
        if self.port == "auto":
            return find_usb_serial()
        return self.port if os.path.exists(self.port) else None

    def _run(self) -> None:
        while not self._stop.is_set():
            device = self._device()
            if device is None:
                self._set_state("absent")
                self._stop.wait(RETRY_SECONDS)
                continue
            try:
                with serial.Serial(device, self.baudrate, timeout=READ_TIMEOUT) as port:
                    self._set_state("ok")
                    self._read(port)
            except (serial.SerialException, OSError) as exc:
                self.assembler.discard()
                self._set_state("error" if os.path.exists(device) else "absent")
                log.warning("scanner on %s: %s; retrying in %.0f s", device, exc, RETRY_SECONDS)
                self._stop.wait(RETRY_SECONDS)

    def _read(self, port: serial.Serial) -> None:
        while not self._stop.is_set():
            data = port.read(max(1, port.in_waiting))
            if not data:
                self.assembler.feed(b"", self._clock())
                continue
            for code in self.assembler.feed(data, self._clock()):
                self.last_scan = time.time()
                self.codes.put(code)
