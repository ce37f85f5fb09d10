"""Faces, icons and the QR code, drawn with pygame primitives (no emoji font, no image files).

Each face is drawn once per size at twice the resolution and scaled down (cheap anti-aliasing),
then cached, so a frame only blits.
"""

from __future__ import annotations

import math
from functools import lru_cache

import pygame

from kiosk.qrmatrix import QUIET_ZONE, modules

# Red to green, from "very dissatisfied" to "very satisfied"; each distinct for the common
# red-green colour blindness by its lightness too, and the drawn mouth carries the meaning anyway.
FACE_COLOURS = ((200, 40, 45), (232, 118, 36), (242, 190, 20), (120, 184, 70), (30, 150, 85))
INK = (25, 30, 40)
SUPERSAMPLE = 2


@lru_cache(maxsize=64)
def face(diameter: int, level: int, selected: bool) -> pygame.Surface:
    """A round face for answer ``level`` (1-5): frown to broad smile."""
    size = max(8, diameter) * SUPERSAMPLE
    surface = pygame.Surface((size, size), pygame.SRCALPHA)
    r = size / 2
    colour = FACE_COLOURS[level - 1]
    pygame.draw.circle(surface, colour, (r, r), r)
    ring = max(2, round(size * (0.06 if selected else 0.025)))
    pygame.draw.circle(surface, INK if selected else _darker(colour), (r, r), r - ring / 2, ring)
    eye_y, eye_dx, eye_r = r * 0.78, r * 0.36, max(2.0, r * 0.11)
    for side in (-1, 1):
        pygame.draw.circle(surface, INK, (r + side * eye_dx, eye_y), eye_r)
        if level == 1:  # brows raised in the middle: unhappy
            pygame.draw.line(surface, INK, (r + side * eye_dx * 1.45, eye_y - r * 0.16),
                             (r + side * eye_dx * 0.55, eye_y - r * 0.30), max(2, round(r * 0.07)))
    curve = (-0.30, -0.16, 0.0, 0.16, 0.30)[level - 1]  # mouth: frown … smile
    half_w, mouth_y = r * 0.42, r * 1.38
    points = [(r + x * half_w, mouth_y + curve * r * (1 - x * x) - curve * r * 0.5)
              for x in (i / 12 - 1 for i in range(25))]
    if level == 5:
        pygame.draw.polygon(surface, INK, points)
    else:
        pygame.draw.lines(surface, INK, False, points, max(3, round(r * 0.09)))
    return pygame.transform.smoothscale(surface, (diameter, diameter))


def _darker(colour: tuple[int, int, int]) -> tuple[int, int, int]:
    return (colour[0] * 3 // 4, colour[1] * 3 // 4, colour[2] * 3 // 4)


def speaker(surface: pygame.Surface, box: pygame.Rect, colour: tuple[int, int, int]) -> None:
    s = min(box.w, box.h) * 0.6
    x, y = box.centerx - s * 0.45, box.centery
    body = [(x, y - s * 0.15), (x + s * 0.2, y - s * 0.15), (x + s * 0.45, y - s * 0.4),
            (x + s * 0.45, y + s * 0.4), (x + s * 0.2, y + s * 0.15), (x, y + s * 0.15)]
    pygame.draw.polygon(surface, colour, body)
    width = max(2, round(s * 0.07))
    for k in (0.35, 0.6):
        arc = pygame.Rect(0, 0, s * k * 2, s * k * 2)
        arc.center = (round(x + s * 0.45), round(y))
        pygame.draw.arc(surface, colour, arc, -math.pi / 4, math.pi / 4, width)


def globe(surface: pygame.Surface, center: tuple[int, int], radius: int,
          colour: tuple[int, int, int]) -> None:
    width = max(2, radius // 8)
    pygame.draw.circle(surface, colour, center, radius, width)
    pygame.draw.ellipse(surface, colour, pygame.Rect(center[0] - radius // 2, center[1] - radius,
                                                     radius, 2 * radius), width)
    pygame.draw.line(surface, colour, (center[0] - radius, center[1]),
                     (center[0] + radius, center[1]), width)


def arrow_left(surface: pygame.Surface, center: tuple[int, int], size: int,
               colour: tuple[int, int, int]) -> None:
    x, y = center
    pygame.draw.polygon(surface, colour, [(x - size, y), (x, y - size * 0.8), (x, y + size * 0.8)])
    pygame.draw.rect(surface, colour, pygame.Rect(x, y - size * 0.3, size, size * 0.6))


def check(surface: pygame.Surface, box: pygame.Rect, colour: tuple[int, int, int]) -> None:
    points = [(box.x + box.w * 0.18, box.y + box.h * 0.52), (box.x + box.w * 0.42, box.y + box.h * 0.78),
              (box.x + box.w * 0.84, box.y + box.h * 0.24)]
    pygame.draw.lines(surface, colour, False, points, max(3, box.w // 7))


def barcode(surface: pygame.Surface, box: pygame.Rect, colour: tuple[int, int, int]) -> None:
    widths = (2, 1, 3, 1, 1, 2, 1, 3, 2, 1, 1, 2)
    unit = box.w / (sum(widths) * 2)
    x = float(box.x)
    for i, w in enumerate(widths):
        if i % 2 == 0:
            pygame.draw.rect(surface, colour, pygame.Rect(round(x), box.y, max(1, round(w * unit)),
                                                          box.h))
        x += w * unit * 2


@lru_cache(maxsize=8)
def qr(text: str, side: int) -> pygame.Surface:
    """``text`` as a QR code at most ``side`` pixels square: black modules of whole pixels on
    white, with the quiet zone the standard asks for (the matrix: kiosk/qrmatrix.py)."""
    matrix = modules(text)
    n = len(matrix) + 2 * QUIET_ZONE
    cell = max(1, side // n)
    surface = pygame.Surface((cell * n, cell * n))
    surface.fill((255, 255, 255))
    for row, line in enumerate(matrix, QUIET_ZONE):
        for col, dark in enumerate(line, QUIET_ZONE):
            if dark:
                surface.fill((0, 0, 0), pygame.Rect(col * cell, row * cell, cell, cell))
    return surface
