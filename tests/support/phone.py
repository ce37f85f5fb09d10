"""Helpers of the phone link's kiosk tests: a stand-in for the hub's link answers, and what a
camera would read from the kiosk's screen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pygame

from hailong import contract
from hailong.topics import kiosk_topic
from kiosk import layout
from kiosk.app import KioskApp
from kiosk.layout import Box
from kiosk.qrmatrix import QUIET_ZONE, modules
from tests.support import RawClient, wait_until

OFFICE, KIOSK = "ubnd-a", "k01"
REQUESTS = kiosk_topic(OFFICE, KIOSK, "link-request")


class LinkDesk:
    """Reads the kiosk's link requests on the real broker and answers them as the hub would."""

    def __init__(self, broker_url: str) -> None:
        self.client = RawClient(broker_url, client_id="link-desk", subscribe=(REQUESTS,))

    def requests(self, count: int, seen: int = 0) -> list[contract.LinkRequest]:
        """``count`` requests after the first ``seen`` ones, checked by the hub's own decoder."""
        payloads = wait_until(lambda: len(self.client.received(REQUESTS)) >= seen + count
                              and self.client.received(REQUESTS)[seen:seen + count],
                              message=f"{count} link request(s) of the kiosk at the broker")
        return [contract.decode_link_request(payload) for payload in payloads]

    def next_request(self, seen: int = 0) -> contract.LinkRequest:
        return self.requests(1, seen)[0]

    def answer(self, request: str, url: str, days: int = 30) -> None:
        expires = datetime.now(UTC) + timedelta(days=days)
        self.client.publish(kiosk_topic(OFFICE, KIOSK, "link"),
                            contract.link_message(request, url, expires))

    def refuse(self, request: str, error: contract.LinkError, reason: str) -> None:
        self.client.publish(kiosk_topic(OFFICE, KIOSK, "link"),
                            contract.link_error_message(request, error, reason))

    def close(self) -> None:
        self.client.close()


def decoded_qr_codes(surface: pygame.Surface) -> list[str]:
    """The texts of the QR codes a barcode reader (zxing-cpp) finds on ``surface``."""
    import zxingcpp
    from PIL import Image

    image = Image.frombytes("RGB", surface.get_size(), pygame.image.tobytes(surface, "RGB"))
    return [found.text for found in zxingcpp.read_barcodes(image)]


def drawn_modules(surface: pygame.Surface, box: Box, text: str) -> tuple[bool, bool]:
    """(whether the code drawn in ``box`` has exactly ``text``'s modules, whether its quiet zone
    is all white), read back pixel by pixel at each module's centre."""
    matrix = modules(text)
    n = len(matrix) + 2 * QUIET_ZONE
    cell = box.w // n
    x0, y0 = box.x + (box.w - cell * n) // 2, box.y + (box.h - cell * n) // 2

    def dark(row: int, col: int) -> bool:
        colour = surface.get_at((x0 + col * cell + cell // 2, y0 + row * cell + cell // 2))
        return tuple(colour)[:3] == (0, 0, 0)

    seen = tuple(tuple(dark(r + QUIET_ZONE, c + QUIET_ZONE) for c in range(len(matrix)))
                 for r in range(len(matrix)))
    quiet = not any(dark(r, c) for r in range(n) for c in range(n)
                    if min(r, c) < QUIET_ZONE or max(r, c) >= n - QUIET_ZONE)
    return seen == matrix and cell >= 2, quiet


def misfits(app: KioskApp) -> list[str]:
    """What is wrong with the frame drawn: text cut or out of its box, a touch target under
    10 mm or off the screen, two targets overlapping (empty when nothing)."""
    assert app.screen is not None and app.painter is not None and app.layout is not None
    wrong = [f"{d.text!r} cut or out of {d.box}" for d in app.painter.drawn
             if d.truncated or not (d.box.x <= d.rect.x and d.box.y <= d.rect.y
                                    and d.rect.right <= d.box.right
                                    and d.rect.bottom <= d.box.bottom)]
    m = layout.metrics(app.screen.get_size(), app.settings.kiosk.pixels_per_mm)
    boxes = [(name, app.layout.boxes[name]) for name in app.layout.targets
             if name in app.layout.boxes and not (name == "speak" and not app.speaker.available)]
    wrong += [f"{name} {box} under 10 mm or off the screen" for name, box in boxes
              if min(box.w, box.h) < m.target or box.right > m.width or box.bottom > m.height]
    wrong += [f"{a} overlaps {b}" for i, (a, first) in enumerate(boxes) for b, second in boxes[i + 1:]
              if first.x < second.right and second.x < first.right
              and first.y < second.bottom and second.y < first.bottom]
    return wrong
