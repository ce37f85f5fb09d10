"""Where everything goes on a screen of any size: pure geometry, no pygame.

Every layout is computed from the window size and the screen density, so the same code serves
800×480 and portrait 1080×1920. Touch targets are never smaller than ``MIN_TARGET_MM`` square;
when choices do not fit at that size they are split into pages.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# ISO 9241-9 / WCAG advice for touch: about 9-10 mm for a fingertip; elderly users miss less.
MIN_TARGET_MM = 10.0
FACES = 5
# Choices reachable by the keypad's 1-9: a list this short is shown whole on one page (with one
# more column of chips if need be), never split, so a citizen sees every option at once.
KEYPAD_CHOICES = 9
# A chip is never narrower than 3 touch targets (30 mm): room for its tick box and two short
# lines of text at the smallest text size.
MIN_CHIP_TARGETS = 3


@dataclass(frozen=True, slots=True)
class Box:
    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h

    @property
    def center(self) -> tuple[int, int]:
        return self.x + self.w // 2, self.y + self.h // 2

    def contains(self, pos: tuple[int, int]) -> bool:
        return self.x <= pos[0] < self.right and self.y <= pos[1] < self.bottom

    def inset(self, dx: int, dy: int | None = None) -> Box:
        dy = dx if dy is None else dy
        return Box(self.x + dx, self.y + dy, max(0, self.w - 2 * dx), max(0, self.h - 2 * dy))

    def top(self, h: int) -> Box:
        return Box(self.x, self.y, self.w, min(h, self.h))

    def below(self, h: int, gap: int = 0) -> Box:
        """The part under the first ``h`` pixels (and a gap)."""
        cut = min(self.h, h + gap)
        return Box(self.x, self.y + cut, self.w, self.h - cut)

    def columns(self, n: int, gap: int) -> list[Box]:
        width = (self.w - gap * (n - 1)) / n
        return [Box(round(self.x + i * (width + gap)), self.y, math.floor(width), self.h)
                for i in range(n)]

    def rows(self, n: int, gap: int) -> list[Box]:
        height = (self.h - gap * (n - 1)) / n
        return [Box(self.x, round(self.y + i * (height + gap)), self.w, math.floor(height))
                for i in range(n)]


@dataclass(frozen=True, slots=True)
class Metrics:
    width: int
    height: int
    target: int  # smallest side of a touch target, in pixels
    margin: int
    gap: int
    bar: int  # height of the top and bottom bars

    @property
    def portrait(self) -> bool:
        return self.height > self.width

    @property
    def screen(self) -> Box:
        return Box(0, 0, self.width, self.height)

    @property
    def body(self) -> Box:
        return self.screen.inset(self.margin)

    def font(self, share: float) -> int:
        """A font size in pixels: ``share`` of the shorter side, never below a readable 14 px."""
        return max(14, round(min(self.width, self.height) * share))


def metrics(size: tuple[int, int], pixels_per_mm: float) -> Metrics:
    width, height = size
    short = min(width, height)
    target = math.ceil(MIN_TARGET_MM * pixels_per_mm)
    return Metrics(width, height, target=target, margin=max(10, round(short * 0.03)),
                   gap=max(8, round(short * 0.018)),
                   bar=max(target, round(min(height * 0.11, width * 0.12))))


@dataclass(frozen=True)
class Layout:
    """Named boxes; ``targets`` are the ones a touch can hit, in the order they are tested."""

    boxes: dict[str, Box]
    targets: tuple[str, ...]
    pages: int = 1


def _top_bar(m: Metrics, boxes: dict[str, Box], speaker: bool) -> Box:
    bar = m.body.top(m.bar)
    lang_w = max(m.target, round(bar.w * (0.3 if m.portrait else 0.2)))
    boxes["lang"] = Box(bar.right - lang_w, bar.y, lang_w, bar.h)
    right = boxes["lang"].x - m.gap
    if speaker:
        boxes["speak"] = Box(right - max(m.target, bar.h), bar.y, max(m.target, bar.h), bar.h)
        right = boxes["speak"].x - m.gap
    boxes["progress"] = Box(bar.x, bar.y, max(0, right - bar.x), bar.h)
    return m.body.below(m.bar, m.gap)


def _bottom_bar(m: Metrics, area: Box, names: list[str]) -> tuple[Box, dict[str, Box]]:
    bar = Box(area.x, area.bottom - m.bar, area.w, m.bar)
    slots = bar.columns(max(3, len(names)), m.gap)
    placed: dict[str, Box] = {}
    # back on the left, the main action on the right, anything else in between
    if "back" in names:
        placed["back"] = slots[0]
    rest = [n for n in names if n != "back"]
    for name, slot in zip(reversed(rest), reversed(slots), strict=False):
        placed[name] = slot
    return Box(area.x, area.y, area.w, max(0, area.h - m.bar - m.gap)), placed


# The idle screen's results ([kiosk] show_results) take this share of the body's height: two
# lines at a size a passer-by reads from a metre or two, without crowding the start button.
RESULTS_SHARE = 0.12


def idle(m: Metrics, scanner: bool, photo: bool, results: bool = False) -> Layout:
    boxes: dict[str, Box] = {"corner": Box(0, 0, m.target, m.target)}
    body = m.body
    boxes["office"] = body.top(round(body.h * 0.13))
    rest = body.below(boxes["office"].h, m.gap)
    line = rest.top(round(body.h * (0.09 if m.portrait else 0.12)))
    if photo:
        side = round(body.h * (0.16 if m.portrait else 0.22))
        boxes["photo"] = Box(line.x, line.y, side, side)
        line = Box(line.x + side + m.gap, line.y, line.w - side - m.gap, side)
    boxes["staff"] = line
    rest = rest.below(line.h, m.gap)
    bottom = Box(rest.x, rest.bottom - m.bar, rest.w, m.bar)
    lang_w = max(m.target, round(bottom.w * (0.35 if m.portrait else 0.22)))
    boxes["lang"] = Box(bottom.right - lang_w, bottom.y, lang_w, bottom.h)
    if scanner:
        boxes["scan"] = Box(bottom.x, bottom.y, bottom.w - lang_w - m.gap, bottom.h)
    middle = Box(rest.x, rest.y, rest.w, rest.h - m.bar - m.gap)
    if results:
        results_h = round(body.h * RESULTS_SHARE)
        middle = Box(middle.x, middle.y, middle.w, middle.h - results_h - m.gap)
        boxes["results"] = Box(middle.x, middle.bottom + m.gap, middle.w, results_h)
    start_w = round(middle.w * (0.9 if m.portrait else 0.7))
    start_h = min(middle.h, round(middle.h * (0.55 if m.portrait else 0.8)))
    boxes["start"] = Box(middle.x + (middle.w - start_w) // 2,
                         middle.y + (middle.h - start_h) // 2, start_w, start_h)
    start = boxes["start"].inset(m.margin)
    boxes["prompt"] = start.top(round(start.h * 0.5))
    rest = start.below(boxes["prompt"].h)
    boxes["prompt-other"] = rest.top(round(start.h * 0.2))  # the prompt in the other language
    boxes["hint"] = rest.below(boxes["prompt-other"].h)
    return Layout(boxes, ("corner", "lang", "start"))


def question_frame(m: Metrics, speaker: bool, bottom: list[str], text_share: float | None = None
                   ) -> tuple[dict[str, Box], Box]:
    """Top bar, bottom bar of ``bottom`` buttons, the question's text (``text_share`` of the
    rest; none at 0) and the banner over it; returns the boxes and the area left for answers."""
    boxes: dict[str, Box] = {}
    area = _top_bar(m, boxes, speaker)
    area, placed = _bottom_bar(m, area, bottom)
    boxes.update(placed)
    share = (0.26 if m.portrait else 0.3) if text_share is None else text_share
    text_h = round(area.h * share)
    if text_h:
        boxes["question"] = area.top(text_h)
    boxes["banner"] = Box(area.x + area.w // 8, area.y, area.w * 3 // 4,
                          max(m.target, text_h // 2, round(area.h * 0.15)))
    return boxes, area.below(text_h, m.gap) if text_h else area


def rating(m: Metrics, speaker: bool, not_yet: bool, back: bool, send: bool = False,
           phone: bool = False) -> Layout:
    names = ["back"] if back else []
    names += ["phone"] if phone else []  # "Rate later on my phone": left of skip, never over it
    names += ["not-yet", "skip"] if not_yet else ["skip"]
    names += ["send"] if send else []
    boxes, area = question_frame(m, speaker, names)
    cells = area.columns(FACES, m.gap)
    label_h = max(round(area.h * 0.22), m.font(0.036) * 3)
    d = max(m.target, min(round(cells[0].w * 0.86), area.h - label_h))
    group = d + label_h
    top = area.y + max(0, (area.h - group) // 2)
    for level, cell in enumerate(cells, 1):
        boxes[f"face:{level}"] = cell  # the whole column answers, face and label alike
        boxes[f"face-disc:{level}"] = Box(cell.x + (cell.w - d) // 2, top, d, d)
        boxes[f"label:{level}"] = Box(cell.x, top + d, cell.w, label_h)
    targets = (*[f"face:{n}" for n in range(1, FACES + 1)], *names, "speak", "lang")
    return Layout(boxes, targets)


def choices(m: Metrics, speaker: bool, count: int, multi: bool, page: int, back: bool,
            send: bool = False, phone: bool = False) -> Layout:
    """Choice buttons (chips for multi-select), as many per page as fit at full target size."""
    names = ["back"] if back else []
    names += ["phone"] if phone else []
    sends = ["send"] if send else []
    boxes, area = question_frame(m, speaker,
                                 [*names, "more", "continue" if multi else "skip", *sends])
    if multi:
        hint = area.top(max(m.font(0.03) + 8, round(area.h * 0.1)))
        boxes["hint"] = hint
        area = area.below(hint.h)
    chip_cols = 2 if m.portrait or m.width < 700 else 3
    cols = chip_cols if multi else (1 if m.portrait else max(1, min(count, 3)))
    row_h = max(m.target, round(m.font(0.032) * 2.6))
    if not multi:
        row_h = max(row_h, min(round(area.h * 0.6), m.target * 3))
    rows = max(1, (area.h + m.gap) // (row_h + m.gap))
    if multi and count <= KEYPAD_CHOICES and rows * cols < count \
            and (area.w - m.gap * cols) / (cols + 1) >= MIN_CHIP_TARGETS * m.target:
        cols += 1
    if not multi or count <= KEYPAD_CHOICES:
        rows = min(rows, math.ceil(count / cols))
    per_page = rows * cols
    pages = max(1, math.ceil(count / per_page))
    page = page % pages
    first = page * per_page
    shown = list(range(first, min(count, first + per_page)))
    grid_h = rows * row_h + (rows - 1) * m.gap
    grid = Box(area.x, area.y + max(0, (area.h - grid_h) // 2), area.w, grid_h)
    if multi and count <= KEYPAD_CHOICES:
        boxes["hint"] = Box(area.x, grid.y - boxes["hint"].h, area.w, boxes["hint"].h)  # just above
    col_boxes = grid.columns(cols, m.gap)
    for slot, index in enumerate(shown):
        col = col_boxes[slot % cols]
        boxes[f"choice:{index}"] = Box(col.x, grid.y + (slot // cols) * (row_h + m.gap), col.w,
                                       row_h)
    if pages == 1:
        boxes.pop("more", None)
    action = "continue" if multi else "skip"
    targets = (*[f"choice:{i}" for i in shown], *names, *(("more",) if pages > 1 else ()),
               action, *sends, "speak", "lang")
    return Layout(boxes, targets, pages)


def thanks(m: Metrics, detail: bool, codes: tuple[str, ...] = ()) -> Layout:
    """The thank-you: a title and a line, or (``detail``) a text beside the QR codes named in
    ``codes`` ("qr" the complaint channel, "link-qr" the phone link); two codes get a caption
    each ("<name>-caption"), so the citizen knows which is which."""
    body = m.body
    boxes: dict[str, Box] = {}
    if not detail:
        boxes["title"] = Box(body.x, body.y + round(body.h * 0.2), body.w, round(body.h * 0.3))
        boxes["body"] = Box(body.x, boxes["title"].bottom + m.gap, body.w, round(body.h * 0.2))
        return Layout(boxes, ())
    boxes["title"] = body.top(round(body.h * 0.22))
    rest = body.below(boxes["title"].h, m.gap)
    if not codes:
        boxes["text"] = rest
        return Layout(boxes, ())
    count = len(codes)
    caption = m.font(0.036) * 2 + m.gap if count > 1 else 0
    if m.portrait:
        side = min((rest.w - m.gap * (count - 1)) // max(2, count), rest.h // 2 - caption)
        boxes["text"] = rest.top(rest.h - side - caption - m.gap)
        x = rest.x + (rest.w - side * count - m.gap * (count - 1)) // 2
        y = rest.bottom - side - caption
    else:
        side = min(rest.h - caption, rest.w // (count + 2))
        x = rest.right - side * count - m.gap * (count - 1)
        y = rest.y + (rest.h - side - caption) // 2
        boxes["text"] = Box(rest.x, rest.y, x - rest.x - 2 * m.gap, rest.h)
    for index, name in enumerate(codes):
        boxes[name] = Box(x + index * (side + m.gap), y, side, side)
        if caption:
            boxes[f"{name}-caption"] = Box(boxes[name].x, y + side, side, caption)
    return Layout(boxes, ())


def phone(m: Metrics) -> Layout:
    """"Rate later on my phone": one line of instructions, the QR as big as fits, "Xong"."""
    body = m.body
    line = body.top(max(m.target, round(body.h * 0.13)))
    done_w = max(3 * m.target, body.w // 3)
    done = Box(body.x + (body.w - done_w) // 2, body.bottom - m.bar, done_w, m.bar)
    area = Box(body.x, line.bottom + m.gap, body.w, done.y - line.bottom - 2 * m.gap)
    side = max(0, min(area.w, area.h))
    code = Box(area.x + (area.w - side) // 2, area.y + (area.h - side) // 2, side, side)
    return Layout({"line": line, "qr": code, "phone-done": done}, ("phone-done",))


def notice(m: Metrics) -> Layout:
    body = m.body.inset(m.margin)
    return Layout({"title": Box(body.x, body.y + round(body.h * 0.18), body.w, round(body.h * 0.3)),
                   "body": Box(body.x, body.y + round(body.h * 0.52), body.w,
                               round(body.h * 0.28))}, ())


def paused(m: Metrics) -> Layout:
    """The pause in two languages: each a title over its explanation, the first one larger."""
    body = m.body.inset(m.margin)
    share = (0.2, 0.3, 0.16, 0.24)  # title, text, the other language's title, its text
    boxes, y = {}, body.y
    for name, part in zip(("title", "body", "title-other", "body-other"), share, strict=True):
        boxes[name] = Box(body.x, y, body.w, round(body.h * part) - m.gap)
        y += round(body.h * part)
    return Layout(boxes, ())


def pin(m: Metrics) -> Layout:
    """Title, masked field and message beside (or above, in portrait) a 3×4 keypad."""
    body = m.body
    if m.portrait:
        side = body.top(round(body.h * 0.4))
        pad = body.below(side.h, m.gap)
        pad = Box(pad.x, pad.y, pad.w, pad.h - m.bar - m.gap)
        cancel = Box(body.x, body.bottom - m.bar, body.w, m.bar)
    else:
        side, pad = body.columns(2, m.gap)
        cancel = Box(side.x, side.bottom - m.bar, side.w, m.bar)
        side = Box(side.x, side.y, side.w, side.h - m.bar - m.gap)
    boxes = {"title": side.top(round(side.h * 0.3))}
    rest = side.below(boxes["title"].h, m.gap)
    boxes["field"] = rest.top(max(m.target, round(rest.h * 0.35)))
    boxes["message"] = rest.below(boxes["field"].h, m.gap)
    labels = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "delete", "0", "ok"]
    for row_index, row in enumerate(pad.rows(4, m.gap)):
        for col_index, col in enumerate(row.columns(3, m.gap)):
            boxes[f"pin:{labels[row_index * 3 + col_index]}"] = col
    boxes["pin:cancel"] = cancel
    return Layout(boxes, tuple(f"pin:{label}" for label in [*labels, "cancel"]))


def service(m: Metrics, rows: int) -> Layout:
    body = m.body
    boxes = {"title": body.top(round(body.h * 0.1))}
    rest = body.below(boxes["title"].h, m.gap)
    buttons = Box(rest.x, rest.bottom - m.bar, rest.w, m.bar)
    for name, box in zip(("service:test-scanner", "service:close", "service:exit"),
                         buttons.columns(3, m.gap), strict=True):
        boxes[name] = box
    table = Box(rest.x, rest.y, rest.w, rest.h - m.bar - m.gap)
    half = table.columns(2, m.gap) if not m.portrait else [table]
    per_col = math.ceil(rows / len(half))
    for index in range(rows):
        col = half[index // per_col]
        line_h = col.h // per_col
        line = Box(col.x, col.y + (index % per_col) * line_h, col.w, line_h)
        label, value = line.columns(2, m.gap)
        boxes[f"row-label:{index}"] = label
        boxes[f"row-value:{index}"] = value
    return Layout(boxes, ("service:test-scanner", "service:close", "service:exit"))


def hit(layout: Layout, pos: tuple[int, int]) -> str | None:
    """The touch target under ``pos``, if any."""
    for name in layout.targets:
        box = layout.boxes.get(name)
        if box is not None and box.contains(pos):
            return name
    return None
