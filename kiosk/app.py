"""``hailong kiosk run``: the one loop that owns pygame's events, clock and display.

Each iteration turns touches, keys and scans into flow events, performs the flow's effects
(storing a response durably before the thank-you is drawn, speaking, checking the PIN), applies
a pushed config when the idle screen shows, and redraws only when what is shown changed, so
an idle kiosk costs almost nothing. Everything slow (MQTT, the serial port, speech) runs
elsewhere and meets the loop through queues; the outbox, MQTT and the scanner are opened on a
thread once the idle screen is up (kiosk/opening.py), and no rating is taken before.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
import uuid
from collections import deque
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pygame

from hailong import sdnotify
from hailong.questionnaire import Questionnaire
from kiosk import flow, grid_layout, keys, layout, view
from kiosk.draft import Draft
from kiosk.flowclock import FlowClock
from kiosk.opening import Opened, Opening, open_desk
from kiosk.pushed import ConfigKeeper
from kiosk.receipt import classify, deployment_key, scan_patterns
from kiosk.results import MonthResults, read_results
from kiosk.scene import scene_of
from kiosk.service_rows import service_rows
from kiosk.settings import KioskSettings
from kiosk.speech import Speaker
from kiosk.storage_fault import describe, storage_problem
from kiosk.warmup import warm_up_states

if TYPE_CHECKING:  # imported on the opening thread, after the idle screen is drawn
    from kiosk.pinlock import PinLock
    from kiosk.recorder import ResponseDesk
    from kiosk.scanner import ScannerReader

log = logging.getLogger(__name__)

# 30 iterations a second: a touch is answered within 33 ms, and an idle loop that only polls
# (nothing is redrawn unless it changed) costs well under 1 % of a core.
FPS = 30
# The service screen's figures are re-read from the outbox once a second.
SERVICE_REFRESH = 1.0
# Frame and tap-to-disk timings kept for the benchmark and the service screen.
TIMINGS_KEPT = 20_000
# Longest a closing kiosk waits for an opening still under way (SQLite's busy timeout is 5 s).
OPENING_WAIT = 10.0


class KioskApp:
    def __init__(self, settings: KioskSettings, questionnaire: Questionnaire,
                 size: tuple[int, int] | None = None, speaker: Speaker | None = None) -> None:
        self.size = size
        self.keeper = ConfigKeeper(settings, settings.data_dir() / f"pushed-config-{settings.kiosk.id}.json",
                                   on_change=self._status_changed)
        stored = self.keeper.load_stored()
        if stored is not None:
            settings, questionnaire = stored.settings, stored.questionnaire
        self.settings = settings
        self.questionnaire = questionnaire
        self.speaker = speaker or Speaker(settings.kiosk.read_aloud)
        # all built by the opening, after the first idle frame (see render)
        self.scanner: ScannerReader | None = None
        self._desk: ResponseDesk | None = None
        self._pin_lock: PinLock | None = None  # the PIN's lockout, kept in the outbox's database
        self._opening: Opening[Opened] | None = None
        self.receipt_key = deployment_key(settings)
        self._patterns = scan_patterns(settings)
        self.screen: pygame.Surface | None = None
        self.rules = self._rules()
        self._clock = FlowClock()
        self.state = flow.initial_state(self.rules, officer=settings.kiosk.officer,
                                        outbox_open=False)
        self.running = True
        self.layout: layout.Layout | None = None
        self.painter: view.Painter | None = None
        self.unmatched = 0
        self.results: MonthResults | None = None  # [kiosk] show_results: the hub's retained
        self.frame_ms: deque[float] = deque(maxlen=TIMINGS_KEPT)
        # the same frames' CPU time on this thread: what the frame cost, whatever else ran
        self.frame_cpu_ms: deque[float] = deque(maxlen=TIMINGS_KEPT)
        self.durable_ms: deque[float] = deque(maxlen=TIMINGS_KEPT)
        self.stored: list[dict[str, Any]] = []  # the last responses stored (ids and seqs only)
        self._shown_state: flow.State | None = None
        self._shown_size: tuple[int, int] | None = None
        self._dirty = True
        self._warm: list[flow.State] = []
        self._service_rows: tuple[tuple[str, str], ...] = ()
        self._service_read = 0.0
        self._step_started = 0.0
        self._ready = False
        self._connected = False
        self._watchdog = sdnotify.Watchdog()
        # cleared while a frame is drawn: delivery gives way to it (kiosk/delivery.py)
        self._screen_idle = threading.Event()
        self._screen_idle.set()

    # -- configuration ---------------------------------------------------------------------
    def _rules(self) -> flow.Rules:
        section = self.settings.kiosk
        return flow.Rules(
            questionnaire=self.questionnaire, idle_timeout=section.idle_timeout,
            thank_you_seconds=section.thank_you_seconds, min_interval=section.min_interval,
            reasons_threshold=section.reasons_threshold,
            complaint_threshold=section.complaint_threshold, gating=section.gating,
            language=section.language, service_enabled=bool(section.service_pin_hash),
            debounce_radius=layout.MIN_TARGET_MM * section.pixels_per_mm, stage=section.stage,
            phone_link=section.phone_link,
            grouped=self.screen is not None and grid_layout.holds_groups(
                layout.metrics(self.screen.get_size(), section.pixels_per_mm)))

    def _apply_pending_config(self) -> None:
        pushed = self.keeper.take_pending()
        if pushed is None:
            return
        before = self.settings.kiosk.officer
        self.settings, self.questionnaire = pushed.settings, pushed.questionnaire
        if self._desk is not None:
            self._desk.reconfigure(self.settings, self.questionnaire.ref)
        self.speaker = Speaker(self.settings.kiosk.read_aloud)
        self.rules = self._rules()
        if self.settings.kiosk.officer != before:
            self.state = replace(self.state, officer=self.settings.kiosk.officer or None)
        self.state = replace(self.state, lang=self.rules.language)
        self._dirty = True
        self._warm = warm_up_states(self.rules, self.state)
        log.info("applied pushed config %s (questionnaire %s)", pushed.version,
                 self.questionnaire.ref)

    def _status_fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {"scanner": self.scanner.state if self.scanner else "absent"}
        report = self.keeper.status()
        if report is not None:
            fields["config"] = report
        if self.state.storage is not None:  # only while paused: older hubs refuse unknown keys
            fields["storage"] = self.state.storage
        return fields

    def _status_changed(self) -> None:
        if self._desk is not None:
            self._desk.nudge()

    # -- the outbox, MQTT and the scanner: opened once the idle screen is up ------------------
    @property
    def desk(self) -> ResponseDesk:
        """The response desk; the flow asks for it only after ``OutboxOpened``."""
        if self._desk is None:
            raise RuntimeError("the outbox is not open yet")
        return self._desk

    @property
    def pin_lock(self) -> PinLock:
        """The PIN's lockout; the flow shows no PIN screen before ``OutboxOpened`` either."""
        if self._pin_lock is None:
            raise RuntimeError("the outbox is not open yet")
        return self._pin_lock

    def wait_until_open(self, timeout: float) -> bool:
        """Block until the opening is done (tests, screenshots, benchmarks); the loop never does."""
        return self._opening is not None and self._opening.wait(timeout)

    def _take_opened(self, now: datetime) -> None:
        opening = self._opening
        if opening is None or self._desk is not None or not opening.done:
            return
        try:
            opened = opening.result()
        except Exception:
            log.exception("could not open the outbox %s", self.settings.database_url())
            raise
        self._desk, self.scanner, self._pin_lock = opened.desk, opened.scanner, opened.pin_lock
        log.info("outbox open")
        self.dispatch(flow.OutboxOpened(pin_locked_until=opened.pin_lock.locked_until(now), now=now))

    # -- lifecycle -------------------------------------------------------------------------
    def open(self, connect: bool = True) -> None:
        """Open the display; ``connect`` starts delivery and the scanner (off for screenshots)."""
        view.forget_cached()
        # display and fonts only: the kiosk makes no sound through SDL (speech is espeak-ng's),
        # and opening the mixer on a machine without a sound card only prints ALSA errors
        pygame.display.init()
        pygame.font.init()
        if self.size:
            self.screen = pygame.display.set_mode(self.size)
        else:
            self.screen = pygame.display.set_mode((0, 0), pygame.FULLSCREEN)
            pygame.mouse.set_visible(False)  # a touch screen: no pointer over the faces
        pygame.display.set_caption("hailong")
        self.rules = self._rules()  # screens of several questions only where they fit
        self._connected = connect  # the opening starts delivery and the scanner when True

    def close(self) -> None:
        sdnotify.notify("STOPPING=1")
        self.speaker.stop()
        opening, self._opening = self._opening, None
        if opening is not None and opening.wait(OPENING_WAIT):
            try:
                opened: Opened | None = opening.result()
            except Exception:  # already logged by the loop, or never taken: nothing to close
                opened = None
            if opened is not None:
                if opened.scanner is not None:
                    opened.scanner.stop()
                opened.desk.stop() if self._connected else opened.desk.close()
        view.forget_cached()
        pygame.quit()

    def run(self) -> None:
        self.open()
        previous = signal.signal(signal.SIGTERM, self._on_sigterm)
        clock = pygame.time.Clock()
        try:
            while self.running:
                self.step()
                clock.tick(FPS)
        finally:
            signal.signal(signal.SIGTERM, previous)
            self.close()

    def _on_sigterm(self, _signum: int, _frame: object) -> None:
        self.running = False

    # -- one iteration ---------------------------------------------------------------------
    def step(self, now: datetime | None = None) -> None:
        now = now or self._clock.now(idle=self.state.screen == "idle")
        self._step_started = time.perf_counter()
        for event in pygame.event.get():
            self.handle(event, now)
        self._take_opened(now)
        self._drain_scanner(now)
        for answer in self._desk.link_answers(now) if self._desk is not None else ():
            self.dispatch(answer)  # the hub's phone links (kiosk/phonelink.py)
        self.dispatch(flow.Tick(now=now))
        if self.state.screen == "idle":
            self._apply_pending_config()
        self.render()
        self._watchdog.tick()

    def handle(self, event: pygame.event.Event, now: datetime) -> None:
        if event.type == pygame.QUIT:
            self.running = False
        elif event.type == pygame.KEYDOWN:
            name = keys.key_name(getattr(event, "unicode", ""), pygame.key.name(event.key),
                                 getattr(event, "scancode", 0))
            if name is not None:
                self.dispatch(flow.Key(name, now=now))
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            self.touch(event.pos, now)
        elif event.type == pygame.MOUSEBUTTONUP and event.button == 1:
            self.dispatch(flow.CornerUp(now=now))

    def touch(self, pos: tuple[int, int], now: datetime) -> None:
        target = layout.hit(self.layout, pos) if self.layout is not None else None
        if target == "corner":
            self.dispatch(flow.CornerDown(now=now, pos=pos))
            return
        event = view.event_for(target, self.scene(), self.layout, now, pos) \
            if target and self.layout is not None else None
        self.dispatch(event or flow.Touch(now=now, pos=pos))

    def _drain_scanner(self, now: datetime) -> None:
        if self.scanner is None:
            return
        while not self.scanner.codes.empty():
            code = self.scanner.codes.get_nowait()
            scanned = classify(code, *self._patterns, self.receipt_key)
            del code  # the clear code goes no further than this line
            if scanned.kind == "unknown":
                self.unmatched += 1
            rated = (self.desk.rated_stages(scanned.receipt.h) if scanned.receipt is not None
                     else frozenset())
            ids = [str(uuid.uuid4()) if scanned.receipt else "" for _ in range(2)]  # phone links
            self.dispatch(flow.Scan(scanned.kind, scanned.receipt, scanned.officer, rated,
                                    request=ids[0], result_request=ids[1], now=now))

    def dispatch(self, event: flow.Event) -> None:
        storage = self.state.storage
        self.state, effects = flow.step(self.state, event, self.rules)
        if self.state.storage != storage:
            self._status_changed()  # the status says the kiosk paused, or resumed
        for effect in effects:
            self.perform(effect, event.now)

    def perform(self, effect: flow.Effect, now: datetime) -> None:
        if isinstance(effect, flow.Submit):
            try:
                document = self.desk.submit(effect.draft)
            except Exception as exc:
                self._store_failed(effect.draft, exc, now)
                return
            self.durable_ms.append((time.perf_counter() - self._step_started) * 1000)
            self.stored.append({"id": document["id"], "seq": document["seq"]})
            del self.stored[:-100]
            if self.state.pending is not None:
                log.info("stored the response that waited: taking ratings again")
            self.dispatch(flow.Stored(now=now))
        elif isinstance(effect, flow.Speak):
            self.speaker.say(effect.text, effect.lang)
        elif isinstance(effect, flow.CheckPin):
            verdict = self.pin_lock.check(effect.pin, self.check_pin, now)  # kiosk/pinlock.py
            self.dispatch(flow.PinChecked(verdict.ok, locked_until=verdict.locked_until, now=now))
        elif isinstance(effect, flow.RequestLink):
            if not self.desk.request_link(effect.request, effect.h, effect.stage):
                self.dispatch(flow.LinkFailed(effect.request, "unreachable", now=now))
        elif isinstance(effect, flow.Quit):
            log.info("exit chosen on the service screen")
            self.running = False

    def _store_failed(self, draft: Draft, exc: Exception, now: datetime) -> None:
        """No thank-you for what is not on disk: a full or failing disk pauses the kiosk
        (kiosk/pausing.py), which retries by itself; anything else is a bug, logged as one."""
        problem = storage_problem(exc)
        if problem is None:
            log.exception("could not store a response")
            return
        if self.state.pending is None:
            log.warning("cannot store a response: %s; ratings paused, retrying every %.0f s",
                        describe(exc), flow.STORE_RETRY.total_seconds())
        self.dispatch(flow.StoreFailed(draft, problem, now=now))

    def check_pin(self, pin: str) -> bool:
        from kiosk.pinlock import verify_pin  # already imported by the opening

        return verify_pin(self.settings.kiosk.service_pin_hash, pin)

    # -- drawing ---------------------------------------------------------------------------
    def scene(self, state: flow.State | None = None) -> view.Scene:
        return scene_of(state or self.state, self.rules, self.settings, self.speaker.available,
                        self._service_rows, self.results)

    def _results_received(self, payload: bytes) -> None:
        """The office's retained results (on the MQTT thread): kept, and drawn next frame."""
        self.results = read_results(payload, self.settings.kiosk.office)
        self._dirty = True

    def render(self, force: bool = False) -> bool:
        """Draw when what is shown changed; True when a frame was drawn."""
        if self.screen is None:
            return False
        size = self.screen.get_size()
        if self.state.screen == "service" and time.monotonic() - self._service_read > SERVICE_REFRESH:
            self._service_rows = service_rows(
                self.state.lang, self.settings, self.questionnaire.ref, self._desk,
                self.scanner, self.unmatched, self.keeper.status())
            self._service_read = time.monotonic()
            self._dirty = True
        # flow.step hands back the very same state object when nothing changed
        if not (force or self._dirty) and self._shown_state is self.state and self._shown_size == size:
            self._warm_up(size)
            return False
        started, cpu = time.perf_counter(), time.thread_time()
        self._screen_idle.clear()
        try:
            self.layout, self.painter = view.draw(self.screen, self.scene(),
                                                  self.settings.kiosk.pixels_per_mm)
            pygame.display.flip()
        finally:
            self._screen_idle.set()
        self.frame_ms.append((time.perf_counter() - started) * 1000)
        self.frame_cpu_ms.append((time.thread_time() - cpu) * 1000)
        self._shown_state, self._shown_size, self._dirty = self.state, size, False
        if not self._ready and self.state.screen == "idle":
            self._ready = True
            sdnotify.notify("READY=1")
            log.info("kiosk %s/%s ready", self.settings.kiosk.office, self.settings.kiosk.id)
            self._warm = warm_up_states(self.rules, self.state)
            self._opening = Opening(lambda: open_desk(
                self.settings, self.questionnaire.ref, self._status_fields, self.keeper.received,
                lambda _state: self._status_changed(), connect=self._connected,
                screen_idle=self._screen_idle, on_results=self._results_received))
            self._opening.start()
        return True

    @property
    def warming(self) -> bool:
        """Screens are still being drawn off-screen (the first seconds of idle after a start)."""
        return bool(self._warm)

    def _warm_up(self, size: tuple[int, int]) -> None:
        """While idle, draw one not-yet-seen screen off-screen, so fonts and text are cached
        before a citizen needs them (a cold 1920×1080 question takes ~100 ms, a warm one ~3)."""
        if not self._warm or self.state.screen != "idle":
            return
        scratch = pygame.Surface(size)
        view.draw(scratch, self.scene(self._warm.pop()), self.settings.kiosk.pixels_per_mm)


def has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) or \
        os.environ.get("SDL_VIDEODRIVER") in ("kmsdrm", "dummy")
