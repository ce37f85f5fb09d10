"""Start-up: the idle screen comes before SQLAlchemy, paho and pyserial are imported, and no
rating is accepted before the outbox is open (a start in that moment waits, visibly)."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from kiosk import flow
from kiosk.flow import Key, OutboxOpened, Submit
from kiosk.i18n import t
from tests.support import wait_until
from tests.support.flow import at, presses
from tests.support.flow import sipas3_rules as rules
from tests.support.kiosk import RECEIPT_KEY, kiosk_settings

# Modules only the outbox, MQTT, the scanner, the complaint QR code or the PIN need.
HEAVY = ("sqlalchemy", "paho", "serial", "qrcode", "PIL", "argon2")

# The real `hailong kiosk run`, with pygame's flip wrapped to report, once the first frame is
# on the screen, which of the heavy modules were imported by then.
CHILD = f"""
import json, sys
import pygame
real_flip = pygame.display.flip
def flip():
    real_flip()
    if not getattr(flip, "seen", False):
        flip.seen = True
        heavy = sorted(m for m in {HEAVY!r} if m in sys.modules)
        print("FIRST-FRAME " + json.dumps(heavy), flush=True)
pygame.display.flip = flip
from hailong.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_start_before_the_outbox_is_open_waits_then_opens() -> None:
    ruleset = rules()
    state = flow.initial_state(ruleset, outbox_open=False)
    for event in presses(["enter", "4", "send", "escape"], 0):
        state, effects = flow.step(state, event, ruleset)
        assert effects == []
        assert (state.screen, state.notice, state.waiting) == ("notice", flow.OPENING, "tap")
        assert state.session is None  # no questionnaire, so nothing that could be stored
    state, _ = flow.step(state, flow.Tick(now=at(60)), ruleset)
    assert state.screen == "notice"  # it waits for the outbox, not for a time
    state, effects = flow.step(state, OutboxOpened(now=at(61)), ruleset)
    assert effects == [] and state.screen == "question" and state.outbox_open
    assert state.session is not None and state.session.trigger == "tap"
    for event in presses(["4", "send"], 62):
        state, effects = flow.step(state, event, ruleset)
    [submit] = [e for e in effects if isinstance(e, Submit)]
    assert submit.draft.answers == {"overall": 4} and submit.draft.complete


def test_the_outbox_opening_on_the_idle_screen_changes_nothing_shown() -> None:
    ruleset = rules()
    state = flow.initial_state(ruleset, outbox_open=False)
    state, _ = flow.step(state, Key("lang", now=at(0)), ruleset)  # the language switch works
    opened, effects = flow.step(state, OutboxOpened(now=at(1)), ruleset)
    assert effects == [] and opened.screen == "idle" and opened.lang == "en"
    assert opened.outbox_open
    opened, _ = flow.step(opened, Key("enter", now=at(2)), ruleset)
    assert opened.screen == "question"


def test_a_scan_before_the_outbox_is_open_is_refused_visibly() -> None:
    from kiosk.receipt import Receipt

    ruleset = rules()
    state = flow.initial_state(ruleset, outbox_open=False)
    scan = flow.Scan("receipt", Receipt("a" * 64, "H21.65", "2022-09-14"), now=at(0))
    state, _ = flow.step(state, scan, ruleset)
    assert (state.screen, state.notice, state.waiting) == ("notice", flow.OPENING, None)
    state, _ = flow.step(state, OutboxOpened(now=at(1)), ruleset)
    assert state.screen == "idle"  # whether it was rated here needed the outbox: scan again


def test_a_corner_hold_before_the_outbox_is_open_waits_for_the_pins_lockout() -> None:
    """The PIN's lockout is kept in the outbox: no PIN screen, and so no PIN tried, before it is
    known; the PIN screen opens by itself once it is, saying the lock it finds."""
    ruleset = rules(service_enabled=True)
    state = flow.initial_state(ruleset, outbox_open=False)
    state, _ = flow.step(state, flow.CornerDown(now=at(0), pos=(5, 5)), ruleset)
    state, effects = flow.step(state, flow.Tick(now=at(3)), ruleset)
    assert effects == [] and state.corner_since is None
    assert (state.screen, state.notice, state.waiting) == ("notice", flow.OPENING, "service")
    for event in presses(["1", "2", "3", "4", "enter", "escape"], 4):
        state, effects = flow.step(state, event, ruleset)
        assert effects == [] and state.screen == "notice"  # no CheckPin: nothing to check with
    locked = at(300)
    state, effects = flow.step(state, OutboxOpened(pin_locked_until=locked, now=at(10)), ruleset)
    assert effects == [] and state.outbox_open and state.waiting is None
    assert (state.screen, state.pin, state.pin_locked_until) == ("pin", "", locked)
    assert state.pin_message == "pin.locked"
    opened, _ = flow.step(flow.initial_state(ruleset, outbox_open=False),
                          OutboxOpened(pin_locked_until=locked, now=at(10)), ruleset)
    assert opened.screen == "idle" and opened.pin_locked_until == locked  # seeded for later


def test_a_rating_tapped_while_the_outbox_is_still_opening_is_not_lost(tmp_path: Path) -> None:
    """The real app, its outbox held locked by another writer (a slow disk) while a citizen
    presses Enter and a face: "one moment", then the question opens by itself."""
    from hailong.questionnaire import find_questionnaire
    from kiosk.app import KioskApp
    from kiosk.speech import Speaker
    from tools.drive import Driver

    settings = kiosk_settings(tmp_path)
    path = Path(settings.database_url().removeprefix("sqlite:///"))
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("BEGIN IMMEDIATE")  # the outbox's first write waits for this
    app = KioskApp(settings, find_questionnaire("sipas"), size=(1024, 600),
                   speaker=Speaker("off"))
    app.open(connect=False)
    try:
        drive = Driver(app)
        drive.step()  # the idle screen; the opening starts behind it
        drive.keys("\n" "4")
        assert (app.state.screen, app.state.notice) == ("notice", flow.OPENING)
        assert app.painter is not None
        assert t("vi", flow.OPENING) in [d.text for d in app.painter.drawn]  # said on screen
        assert not app.wait_until_open(0)
        holder.execute("COMMIT")
        assert app.wait_until_open(30)
        drive.step()
        assert app.state.screen == "question" and app.state.session is not None
        drive.keys("4" "-")
        assert app.state.screen == "thanks"
        [row] = app.desk.outbox.due(1e12, 10)
        document = json.loads(row.payload)
        assert document["answers"] == {"overall": 4} and document["complete"] is True
        assert document["trigger"] == "tap"
    finally:
        holder.close()
        app.close()


def test_the_idle_screen_is_drawn_before_the_heavy_modules_are_imported(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    settings = kiosk_settings(tmp_path)  # a free port where no broker listens
    config.write_text(
        f'[kiosk]\noffice = "ubnd-a"\nid = "k01"\nreceipt_key = "{RECEIPT_KEY}"\n'
        f'[scanner]\nport = "{tmp_path / "no-scanner"}"\n'
        f'[mqtt]\nurl = "{settings.mqtt.effective_url}"\n[data]\ndir = "{tmp_path}"\n',
        encoding="utf-8")
    log = tmp_path / "kiosk.log"
    with log.open("w") as errors:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, "kiosk", "run", "--config", str(config),
             "--windowed", "800x480"],
            stdout=subprocess.PIPE, stderr=errors, text=True,
            env={**_env(), "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy",
                 "PYGAME_HIDE_SUPPORT_PROMPT": "1"})
        try:
            assert child.stdout is not None
            line = child.stdout.readline()
            assert line.startswith("FIRST-FRAME "), (line, log.read_text())
            assert json.loads(line.removeprefix("FIRST-FRAME ")) == []
            # …and the outbox opens right after, on its own thread
            wait_until(lambda: "outbox open" in log.read_text(), 60, message="the outbox")
            assert (tmp_path / "outbox-k01.db").exists()
            child.send_signal(signal.SIGTERM)
            assert child.wait(30) == 0, log.read_text()
        finally:
            if child.poll() is None:
                child.kill()
                child.wait(30)


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("HAILONG_")}


def test_the_first_citizen_finds_every_screen_already_drawn(tmp_path: Path) -> None:
    """The idle warm-up starts with the first frame, before the outbox is open, yet draws the
    screens as they are once it is: a citizen after it loads no font and fits no text."""
    from kiosk import paint
    from tests.support.kiosk import running_app

    with running_app(kiosk_settings(tmp_path), (1024, 600)) as drive:
        for _ in range(1000):
            if not drive.app.warming:
                break
            drive.step(1 / 30)
        assert not drive.app.warming
        caches = (paint.load_font, paint.fit, paint.render)
        before = [cache.cache_info().misses for cache in caches]
        # overall 2, two reasons, the five factors, the integrity pair, two needs, visits
        drive.keys("\n" "2" "18" "\n" "43504" "21" "27" "\n" "2")
        assert drive.app.state.screen == "thanks"
        assert [cache.cache_info().misses for cache in caches] == before
