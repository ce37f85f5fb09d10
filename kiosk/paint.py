"""Drawing text and buttons that fit their boxes, with the kiosk's colours.

Text is fitted to its box (wrapped, then shrunk, and only as a last resort cut with "…"), and
every piece drawn is recorded in ``Painter.drawn`` so tests can check that no text left its box.
Rendered text is cached: a frame mostly blits.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pygame

from hailong import resources
from kiosk.layout import Box

BACKGROUND = (247, 246, 241)
INK = (25, 30, 40)
MUTED = (90, 96, 110)
PRIMARY = (18, 92, 160)
ON_PRIMARY = (255, 255, 255)
BUTTON = (226, 230, 236)
CHOSEN = (205, 228, 250)
DIMMED = (238, 240, 243)  # chips that cannot be chosen while the most allowed already are
BANNER = (255, 236, 170)
DANGER = (180, 40, 40)
SEND = (22, 120, 70)  # "Gửi đánh giá": green, apart from the blue of Continue
# Never smaller than this, however long the text: below it an elderly reader is lost anyway.
MIN_TEXT_PX = 13


@dataclass(frozen=True)
class TextDraw:
    box: Box
    rect: Box
    text: str
    truncated: bool



@lru_cache(maxsize=32)
def load_font(size: int, bold: bool) -> pygame.font.Font:
    return pygame.font.Font(str(resources.font_path(bold=bold)), size)


def _wrap(font: pygame.font.Font, text: str, width: int) -> list[str] | None:
    """Lines of ``text`` no wider than ``width``, or None when a single word is wider."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}" if line else word
            if font.size(candidate)[0] <= width:
                line = candidate
            elif not line or font.size(word)[0] > width:
                return None
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


def _ellipsize(font: pygame.font.Font, text: str, width: int) -> str:
    while text and font.size(text + "…")[0] > width:
        text = text[:-1]
    return text + "…"


@lru_cache(maxsize=1024)
def fit(text: str, width: int, height: int, max_px: int, bold: bool
        ) -> tuple[int, tuple[str, ...], bool]:
    """The largest size ≤ ``max_px`` at which ``text`` fits the box, its lines, and whether it
    had to be cut (only when it does not fit even at ``MIN_TEXT_PX``)."""
    def fits(size: int) -> tuple[str, ...] | None:
        font = load_font(size, bold)
        lines = _wrap(font, text, width)
        if lines is not None and len(lines) * font.get_linesize() <= height:
            return tuple(lines)
        return None

    # binary search over whole pixel sizes: a handful of fonts opened instead of dozens
    low, high = MIN_TEXT_PX, max(MIN_TEXT_PX, max_px)
    if (found := fits(high)) is not None:
        return high, found, False
    if (found := fits(low)) is not None:
        best, best_size = found, low
        while high - low > 1:  # ``low`` fits, ``high`` does not
            middle = (low + high) // 2
            if (found := fits(middle)) is not None:
                best, best_size, low = found, middle, middle
            else:
                high = middle
        return best_size, best, False
    font = load_font(MIN_TEXT_PX, bold)
    rows = max(1, height // font.get_linesize())
    cut: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if font.size(candidate)[0] <= width:
            line = candidate
        else:
            cut.append(line or _ellipsize(font, word, width))
            line = "" if not line else word
    cut.append(line)
    cut = [ln for ln in cut if ln][:rows] or [""]
    cut[-1] = _ellipsize(font, cut[-1], width)
    return MIN_TEXT_PX, tuple(cut), True


@lru_cache(maxsize=512)
def render(lines: tuple[str, ...], size: int, bold: bool, colour: tuple[int, int, int],
            align: str) -> pygame.Surface:
    font = load_font(size, bold)
    rendered = [font.render(line, True, colour) for line in lines]
    width = max((s.get_width() for s in rendered), default=1)
    step = font.get_linesize()
    block = pygame.Surface((max(1, width), max(1, step * len(rendered))), pygame.SRCALPHA)
    for index, surface in enumerate(rendered):
        x = {"left": 0, "right": width - surface.get_width()}.get(align,
                                                                   (width - surface.get_width()) // 2)
        block.blit(surface, (x, index * step))
    return block


class Painter:
    def __init__(self, surface: pygame.Surface) -> None:
        self.surface = surface
        self.drawn: list[TextDraw] = []

    def text(self, box: Box, text: str, max_px: int, bold: bool = False,
             colour: tuple[int, int, int] = INK, align: str = "center") -> None:
        if not text or box.w <= 0 or box.h <= 0:
            return
        size, lines, cut = fit(text, box.w, box.h, max_px, bold)
        block = render(lines, size, bold, colour, align)
        x = {"left": box.x, "right": box.right - block.get_width()}.get(
            align, box.x + (box.w - block.get_width()) // 2)
        y = box.y + (box.h - block.get_height()) // 2
        self.surface.blit(block, (x, y))
        self.drawn.append(TextDraw(box, Box(x, y, block.get_width(), block.get_height()), text, cut))

    def button(self, box: Box, label: str, max_px: int, fill: tuple[int, int, int] = BUTTON,
               colour: tuple[int, int, int] = INK, bold: bool = True, icon_left: int = 0) -> Box:
        radius = max(6, min(box.w, box.h) // 5)
        pygame.draw.rect(self.surface, fill, rect(box), border_radius=radius)
        inner = box.inset(max(6, box.h // 8), max(4, box.h // 10))
        if icon_left:
            inner = Box(inner.x + icon_left, inner.y, inner.w - icon_left, inner.h)
        self.text(inner, label, max_px, bold=bold, colour=colour)
        return box



def rect(box: Box) -> pygame.Rect:
    return pygame.Rect(box.x, box.y, box.w, box.h)

