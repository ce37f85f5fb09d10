"""Helpers for the kiosk tests: settings in a temp folder, and a real app with its display open."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hailong.broker import free_port
from hailong.questionnaire import find_questionnaire
from hailong.settings import load_settings
from kiosk.app import KioskApp
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
