"""A real kiosk process that answers one questionnaire by posted key events, then waits.

Run as ``python -m tests.support.kiosk_driver CONFIG``: it prints ``THANKS <id>`` the moment the
thank-you screen is up (the response is on disk by then) and keeps running its loop until it
is killed, so a test can kill it with SIGKILL right after "thank you".
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")


def main() -> int:
    from hailong.questionnaire import find_questionnaire
    from hailong.settings import load_settings
    from kiosk.app import KioskApp
    from kiosk.settings import KioskSettings
    from kiosk.speech import Speaker
    from tools.drive import Driver

    settings = load_settings(KioskSettings, Path(sys.argv[1]))
    app = KioskApp(settings, find_questionnaire(settings.kiosk.questionnaire_name()),
                   size=(800, 480), speaker=Speaker("off"))
    app.open()
    drive = Driver(app)
    drive.start()
    drive.keys("\n" "2" "3" "\n" "4" "4" "5" "0" "3" "-")
    assert app.state.screen == "thanks", app.state.screen
    print(f"THANKS {app.stored[-1]['id']}", flush=True)
    while True:
        drive.step(0.05)
        time.sleep(0.05)


if __name__ == "__main__":
    sys.exit(main())
