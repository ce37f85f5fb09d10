"""Helpers for the kiosk tests: settings in a temp folder, a real app with its display open, and
responses as the kiosk's own code builds them."""

from __future__ import annotations

import os
import stat
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

from hailong.broker import free_port
from hailong.questionnaire import find_questionnaire
from hailong.settings import load_settings
from kiosk.app import KioskApp
from kiosk.receipt import Receipt
from kiosk.recorder import Draft, response_document
from kiosk.settings import KioskSettings
from kiosk.speech import Speaker
from tools.drive import Driver

RECEIPT_KEY = "test-receipt-key"


def kiosk_settings(tmp: Path, broker_url: str = "", **kiosk: object) -> KioskSettings:
    env = {"HAILONG_DATA_DIR": str(tmp), "HAILONG_KIOSK_OFFICE": "ubnd-a",
           "HAILONG_KIOSK_ID": "k01", "HAILONG_KIOSK_RECEIPT_KEY": RECEIPT_KEY,
           "HAILONG_KIOSK_MIN_INTERVAL": "0"}
    # no broker given: a free port where none listens, never a broker someone else runs
    env["HAILONG_MQTT_URL"] = broker_url or f"mqtt://127.0.0.1:{free_port()}"
    for key, value in kiosk.items():
        section, _, name = key.partition("__")
        env[f"HAILONG_{(section if name else 'kiosk').upper()}_{(name or key).upper()}"] = str(value)
    return load_settings(KioskSettings, None, env=env)


def recording_speaker(tmp: Path) -> tuple[Speaker, Path]:
    """A speaker whose 'espeak-ng' only writes down what it was asked to say (no sound card)."""
    log = tmp / "spoken.txt"
    script = tmp / "espeak-ng"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> "{log}"\n', encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return Speaker("on", binary=str(script)), log


@contextmanager
def running_app(settings: KioskSettings, size: tuple[int, int] = (1024, 600), connect: bool = False,
                speaker: Speaker | None = None) -> Iterator[Driver]:
    """A real KioskApp with its (dummy) display open, and a driver at the first idle frame."""
    assert os.environ.get("SDL_VIDEODRIVER") == "dummy"
    app = KioskApp(settings, find_questionnaire(settings.kiosk.questionnaire_name()), size=size,
                   speaker=speaker or Speaker("off"))
    app.open(connect=connect)
    try:
        drive = Driver(app)
        drive.start()
        yield drive
    finally:
        app.close()


def draft(overall: int = 5) -> Draft:
    """What a citizen's finished tap-started rating hands the recorder."""
    now = datetime.now().astimezone()
    return Draft(answers={"overall": overall, "access": 4}, trigger="tap", lang="vi",
                 started_at=now - timedelta(seconds=20), submitted_at=now, complete=True)


def kiosk_made(**changes: object) -> dict[str, object]:
    """A response as the kiosk's own code builds it (scan, reasons, visits), with ``changes``."""
    settings = load_settings(KioskSettings, None, env={"HAILONG_KIOSK_OFFICE": "ubnd-a",
                                                       "HAILONG_KIOSK_ID": "k01"})
    start = datetime(2026, 11, 23, 9, 30, tzinfo=timezone(timedelta(hours=7)))
    draft = Draft(answers={"overall": 2, "reasons": ["wait", "impolite"], "visits": ["3+"]},
                  trigger="scan", lang="vi", started_at=start,
                  submitted_at=start + timedelta(seconds=31), complete=True,
                  receipt=Receipt("a" * 64, "H21.65", "2022-09-14"))
    document = response_document(settings, "sipas@1", draft, 7, str(uuid.uuid4()))
    document.update(changes)
    return document


def outbox_document(seq: int, rid: str | None = None, overall: int = 4) -> dict[str, object]:
    """A response for the outbox's own tests: seq ``seq``, one minute after the one before."""
    start = datetime(2026, 11, 23, 9, 0, tzinfo=timezone(timedelta(hours=7))) + timedelta(minutes=seq)
    return {"v": 1, "id": rid or str(uuid.uuid4()), "seq": seq, "office": "o", "kiosk": "k",
            "counter": "1", "officer": None, "receipt": None, "trigger": "tap",
            "questionnaire": "sipas@1", "lang": "vi", "started_at": start.isoformat(),
            "submitted_at": (start + timedelta(seconds=20)).isoformat(), "complete": True,
            "answers": {"overall": overall}}


class ScannerPty:
    """A pseudo-terminal reached through a symlink, as a scanner's /dev/serial/by-id/… is."""

    def __init__(self, link: Path) -> None:
        self.link = link
        self.master, slave = os.openpty()
        link.symlink_to(os.ttyname(slave))
        os.close(slave)  # pyserial opens it by name, as it would a real device

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def close(self) -> None:
        self.link.unlink()
        os.close(self.master)
