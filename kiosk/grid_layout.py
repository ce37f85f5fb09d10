"""Where things go on a screen of several questions (one row each) and on the "receipt or
result?" screen: pure geometry, no pygame.

A screen of several questions is used only where every target in it keeps the 10 mm minimum:
:func:`holds_groups` asks the same geometry the screen would be drawn with.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from kiosk.layout import FACES, Box, Layout, Metrics, question_frame

# The question's text takes this share of a row; the answers the rest.
TEXT_SHARE = 0.34
# Chips of a multi-select row per line: four keep "Hướng dẫn rõ ràng hơn" on two lines at 1024 px.
CHIPS_PER_LINE = 4


@dataclass(frozen=True)
class Row:
    """One question of the screen, as far as geometry cares."""

    id: str
    kind: str  # "rating", "choices" (single or yesno) or "multi"
    choices: int = 0
    not_yet: bool = False

    @property
    def lines(self) -> int:
        """How many lines of targets the row needs."""
        return math.ceil(self.choices / CHIPS_PER_LINE) if self.kind == "multi" else 1


def group(m: Metrics, speaker: bool, rows: list[Row], back: bool, note: bool) -> Layout:
    """Rows of questions, each its text on the left and its answers on the right; above them
    the five labels of the faces (for rating rows) or the group's note."""
    names = [*(["back"] if back else []), "continue", "send"]
    boxes, area = question_frame(m, speaker, names, text_share=0.0)
    ratings = any(r.kind == "rating" for r in rows)
    head_h = max(m.font(0.036) * 2 + 8, round(area.h * 0.1)) if ratings or note else 0
    head = area.top(head_h)
    body = area.below(head_h, m.gap if head_h else 0)
    text_w = round(body.w * TEXT_SHARE)
    answers_x = body.x + text_w + m.gap
    answers_w = body.right - answers_x
    with_not_yet = any(r.not_yet for r in rows)
    cells = Box(answers_x, 0, answers_w, 0).columns(FACES + (1 if with_not_yet else 0), m.gap)
    if note:
        boxes["note"] = head
    elif ratings:
        for level in range(1, FACES + 1):
            boxes[f"label:{level}"] = Box(cells[level - 1].x, head.y, cells[level - 1].w, head.h)
    units = sum(r.lines for r in rows)
    unit = (body.h - m.gap * (len(rows) - 1)) / max(1, units)
    y = float(body.y)
    targets: list[str] = []
    for index, row in enumerate(rows):
        h = math.floor(unit * row.lines + m.gap * (row.lines - 1))
        line = Box(body.x, round(y), body.w, h)
        boxes[f"row:{index}"] = line
        boxes[f"row-text:{row.id}"] = Box(line.x, line.y, text_w, line.h)
        if row.kind == "rating":
            for level in range(1, FACES + 1):
                cell = cells[level - 1]
                boxes[f"face:{row.id}:{level}"] = Box(cell.x, line.y, cell.w, line.h)
            if row.not_yet:
                cell = cells[-1]
                boxes[f"not-yet:{row.id}"] = Box(cell.x, line.y, cell.w, line.h)
            targets += [f"face:{row.id}:{n}" for n in range(1, FACES + 1)]
            targets += [f"not-yet:{row.id}"] if row.not_yet else []
        else:
            per_line = CHIPS_PER_LINE if row.kind == "multi" else max(1, row.choices)
            grid = Box(answers_x, line.y, answers_w, line.h)
            lines = grid.rows(row.lines, m.gap)
            for choice in range(row.choices):
                slot = lines[choice // per_line].columns(per_line, m.gap)[choice % per_line]
                boxes[f"choice:{row.id}:{choice}"] = slot
                targets.append(f"choice:{row.id}:{choice}")
        y += h + m.gap
    return Layout(boxes, (*targets, *names, "speak", "lang"))


def holds_groups(m: Metrics) -> bool:
    """Whether this screen keeps full-size targets with the five factors on one screen
    (landscape 1024×600 and larger at the default density)."""
    if m.portrait:
        return False
    rows = [Row(f"q{i}", "rating", not_yet=i == 3) for i in range(5)]
    lay = group(m, False, rows, True, False)
    return all(min(lay.boxes[name].w, lay.boxes[name].h) >= m.target
               for name in lay.targets if name in lay.boxes)


def stage(m: Metrics, speaker: bool, back: bool) -> Layout:
    """The question, and two big buttons: "just filed" and "collecting the result"."""
    names = [*(["back"] if back else []), "skip", "send"]
    boxes, area = question_frame(m, speaker, names)
    buttons = area.rows(2, m.gap) if m.portrait else area.columns(2, m.gap)
    for name, box in zip(("stage:receive", "stage:result"), buttons, strict=True):
        height = min(box.h, max(m.target * 2, round(area.h * 0.7)))
        boxes[name] = Box(box.x, box.y + (box.h - height) // 2, box.w, height)
    return Layout(boxes, ("stage:receive", "stage:result", *names, "speak", "lang"))
