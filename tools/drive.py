"""Drives a real :class:`KioskApp` with posted pygame events at explicit times.

Tests, the screenshot script and the benchmark all use it: the events are real pygame events
going through the app's own event loop, only the clock is chosen by the caller.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pygame

from kiosk.app import KioskApp

KEYS = {"enter": (pygame.K_RETURN, "\r"), "back": (pygame.K_BACKSPACE, "\b"),
        "/": (pygame.K_SLASH, "/"), "*": (pygame.K_8, "*"), "+": (pygame.K_KP_PLUS, "+"),
        "-": (pygame.K_MINUS, "-"),
        "escape": (pygame.K_ESCAPE, "\x1b"),
        **{str(d): (getattr(pygame, f"K_{d}"), str(d)) for d in range(10)}}


class Driver:
    def __init__(self, app: KioskApp, start: datetime | None = None) -> None:
        self.app = app
        self.now = start or datetime.now().astimezone()

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now

    def step(self, seconds: float = 0.0) -> None:
        self.app.step(self.advance(seconds))

    def start(self, timeout: float = 60.0) -> None:
        """The first idle frame, then the outbox opened (as a citizen arriving a second after
        start-up finds it): waits for the opening thread, not for a fixed time."""
        self.step()
        if not self.app.wait_until_open(timeout):
            raise TimeoutError(f"the outbox did not open within {timeout:.0f} s")
        self.step()
        assert self.app.state.outbox_open, "OutboxOpened was not dispatched"

    def key(self, name: str, gap: float = 0.5) -> None:
        """Press and release a key (by its :data:`KEYS` name), then run one loop iteration."""
        key, char = KEYS[name]
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, unicode=char, mod=0,
                                             scancode=0))
        pygame.event.post(pygame.event.Event(pygame.KEYUP, key=key, mod=0, scancode=0))
        self.step(gap)

    def keys(self, names: str, gap: float = 0.5) -> None:
        for name in names:
            self.key({"\n": "enter"}.get(name, name), gap)

    def tap(self, pos: tuple[int, int], gap: float = 0.5, hold: float = 0.0) -> None:
        pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1))
        if hold:
            self.step(gap)
            self.step(hold)
        pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=1))
        self.step(0 if hold else gap)

    def tap_target(self, name: str, gap: float = 0.5) -> None:
        """Tap the middle of the current screen's target ``name``."""
        assert self.app.layout is not None, "nothing drawn yet"
        box = self.app.layout.boxes[name]
        self.tap(box.center, gap)
