"""``hailong kiosk run``: the one loop that owns pygame's events, clock and display.

It turns touches and keys into flow events, performs the flow's effects (storing a response
through the kiosk service) and draws the state. (Foundation version: the overall question
only; the citizen-kiosk issue brings the whole experience.)
"""

from __future__ import annotations

import logging
import os
from datetime import datetime

import pygame

from hailong import resources
from hailong.questionnaire import Questionnaire
from kiosk import flow
from kiosk.service import Draft, KioskService
from kiosk.settings import KioskSettings

log = logging.getLogger(__name__)

FACE_COLOURS = ((214, 48, 49), (230, 126, 34), (241, 196, 15), (106, 176, 76), (39, 174, 96))
LABELS_VI = ("Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng")


def _now() -> datetime:
    return datetime.now().astimezone()


class KioskApp:
    def __init__(self, settings: KioskSettings, questionnaire: Questionnaire,
                 size: tuple[int, int] | None = None) -> None:
        self.settings = settings
        self.questionnaire = questionnaire
        self.service = KioskService(settings, questionnaire.ref)
        self.rules = flow.Rules(idle_timeout=settings.kiosk.idle_timeout,
                                thank_you_seconds=settings.kiosk.thank_you_seconds)
        self.state = flow.State(lang=settings.kiosk.language)
        self.size = size
        self.running = True

    def dispatch(self, event: flow.Event) -> None:
        self.state, effects = flow.step(self.state, event, self.rules)
        for effect in effects:
            self.service.submit(Draft(effect.answers, effect.trigger, effect.lang,
                                      effect.started_at, effect.submitted_at, effect.complete))

    def run(self) -> None:
        pygame.init()
        flags = 0 if self.size else pygame.FULLSCREEN
        screen = pygame.display.set_mode(self.size or (0, 0), flags)
        pygame.display.set_caption("hailong")
        self.service.start()
        clock = pygame.time.Clock()
        try:
            while self.running:
                for event in pygame.event.get():
                    self.handle(event, screen.get_size())
                self.dispatch(flow.Tick(_now()))
                self.draw(screen)
                pygame.display.flip()
                clock.tick(30)
        finally:
            self.service.stop()
            pygame.quit()

    def handle(self, event: pygame.event.Event, size: tuple[int, int]) -> None:
        now = _now()
        if event.type == pygame.QUIT:
            self.running = False
        elif event.type == pygame.KEYDOWN:
            char = event.unicode
            if event.key in (pygame.K_RETURN, pygame.K_KP_ENTER):
                self.dispatch(flow.Start("tap", now))
            elif char in "12345" and char:
                self.dispatch(flow.Rate(int(char), now))
            elif char == "0":
                self.dispatch(flow.Rate(None, now))
            elif char == "+":
                self.dispatch(flow.Start("officer", now))
        elif event.type == pygame.MOUSEBUTTONDOWN:
            if self.state.screen == "question":
                index = self.face_at(event.pos, size)
                if index is not None:
                    self.dispatch(flow.Rate(index + 1, now))
            else:
                self.dispatch(flow.Start("tap", now) if self.state.screen == "idle"
                              else flow.Rate(None, now))

    @staticmethod
    def face_rects(size: tuple[int, int]) -> list[pygame.Rect]:
        width, height = size
        cell = width // 5
        radius = min(cell, height // 2) // 2 - 10
        return [pygame.Rect(i * cell + cell // 2 - radius, height // 2 - radius, 2 * radius,
                            2 * radius) for i in range(5)]

    def face_at(self, pos: tuple[int, int], size: tuple[int, int]) -> int | None:
        for index, rect in enumerate(self.face_rects(size)):
            if rect.inflate(20, 60).collidepoint(pos):
                return index
        return None

    def draw(self, screen: pygame.Surface) -> None:
        width, height = screen.get_size()
        screen.fill((250, 250, 247))
        font = pygame.font.Font(str(resources.font_path(bold=True)), max(18, height // 14))
        small = pygame.font.Font(str(resources.font_path()), max(14, height // 32))
        if self.state.screen == "idle":
            self._centred(screen, font, "Đánh giá sự phục vụ", height // 2 - height // 10)
            self._centred(screen, small, "Chạm để bắt đầu — Touch to start", height // 2 + 20)
        elif self.state.screen == "question":
            question = self.questionnaire.question("overall")
            text = question.text.get(self.state.lang) if question else ""
            self._centred(screen, small, text, height // 8)
            for index, rect in enumerate(self.face_rects((width, height))):
                pygame.draw.ellipse(screen, FACE_COLOURS[index], rect)
                label = small.render(LABELS_VI[index], True, (30, 30, 30))
                screen.blit(label, label.get_rect(midtop=(rect.centerx, rect.bottom + 8)))
        else:
            self._centred(screen, font, "Cảm ơn Ông/Bà!", height // 2 - 30)

    @staticmethod
    def _centred(screen: pygame.Surface, font: pygame.font.Font, text: str, y: int) -> None:
        surface = font.render(text, True, (20, 30, 40))
        screen.blit(surface, surface.get_rect(midtop=(screen.get_width() // 2, y)))


def has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) or \
        os.environ.get("SDL_VIDEODRIVER") in ("kmsdrm", "dummy")
