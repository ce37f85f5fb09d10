"""The screens: each draws one flow state into the boxes of :mod:`kiosk.layout`.

Text is fitted to its box (wrapped, then shrunk, and only as a last resort cut with "…"), and
every piece drawn is recorded in ``Painter.drawn`` so tests can check that no text left its box.
Rendered text is cached: a frame mostly blits.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import pygame

from hailong import resources
from hailong.questionnaire import Question, Questionnaire
from kiosk import drawing, flow, layout
from kiosk.i18n import other, t
from kiosk.layout import Box, Layout, Metrics

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
# Never smaller than this, however long the text: below it an elderly reader is lost anyway.
MIN_TEXT_PX = 13


@dataclass(frozen=True)
class TextDraw:
    box: Box
    rect: Box
    text: str
    truncated: bool


@dataclass(frozen=True)
class Scene:
    """Everything a screen shows: the flow's state plus what the app knows around it."""

    state: flow.State
    rules: flow.Rules
    office_name: str
    counter: str
    officer_name: str = ""
    photo: str = ""
    scanner: bool = False
    speaker: bool = False
    complaint_url: str = ""
    complaint_hotline: str = ""
    service_rows: Sequence[tuple[str, str]] = field(default_factory=tuple)

    @property
    def questionnaire(self) -> Questionnaire:
        return self.rules.questionnaire


@lru_cache(maxsize=32)
def _font(size: int, bold: bool) -> pygame.font.Font:
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
        font = _font(size, bold)
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
    font = _font(MIN_TEXT_PX, bold)
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
def _render(lines: tuple[str, ...], size: int, bold: bool, colour: tuple[int, int, int],
            align: str) -> pygame.Surface:
    font = _font(size, bold)
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
        block = _render(lines, size, bold, colour, align)
        x = {"left": box.x, "right": box.right - block.get_width()}.get(
            align, box.x + (box.w - block.get_width()) // 2)
        y = box.y + (box.h - block.get_height()) // 2
        self.surface.blit(block, (x, y))
        self.drawn.append(TextDraw(box, Box(x, y, block.get_width(), block.get_height()), text, cut))

    def button(self, box: Box, label: str, max_px: int, fill: tuple[int, int, int] = BUTTON,
               colour: tuple[int, int, int] = INK, bold: bool = True, icon_left: int = 0) -> Box:
        radius = max(6, min(box.w, box.h) // 5)
        pygame.draw.rect(self.surface, fill, _rect(box), border_radius=radius)
        inner = box.inset(max(6, box.h // 8), max(4, box.h // 10))
        if icon_left:
            inner = Box(inner.x + icon_left, inner.y, inner.w - icon_left, inner.h)
        self.text(inner, label, max_px, bold=bold, colour=colour)
        return box


def forget_cached() -> None:
    """Drop fonts and surfaces: they die with ``pygame.quit()``, and a dead font crashes."""
    for cached in (_font, fit, _render, _photo, drawing.face, drawing.qr):
        cached.cache_clear()


def _rect(box: Box) -> pygame.Rect:
    return pygame.Rect(box.x, box.y, box.w, box.h)


def draw(surface: pygame.Surface, scene: Scene, pixels_per_mm: float) -> tuple[Layout, Painter]:
    """Draw ``scene``; returns the layout (to hit-test touches) and what was drawn."""
    m = layout.metrics(surface.get_size(), pixels_per_mm)
    painter = Painter(surface)
    surface.fill(BACKGROUND)
    screen = scene.state.screen
    question = flow.current_question(scene.state, scene.rules)
    if screen == "question" and question is not None:
        result = _question(painter, m, scene, question)
    elif screen == "thanks":
        result = _thanks(painter, m, scene)
    elif screen == "notice":
        result = _notice(painter, m, scene)
    elif screen == "pin":
        result = _pin(painter, m, scene)
    elif screen == "service":
        result = _service(painter, m, scene)
    else:
        result = _idle(painter, m, scene)
    return result, painter


def _lang_button(p: Painter, box: Box, m: Metrics, lang: str) -> None:
    radius = max(8, min(box.h // 4, box.w // 8))
    p.button(box, t(other(lang), "language_name"), m.font(0.04), icon_left=radius * 2 + 6)
    drawing.globe(p.surface, (box.x + max(6, box.h // 8) + radius + 4, box.center[1]), radius, INK)


def _idle(p: Painter, m: Metrics, scene: Scene) -> Layout:
    lang = scene.state.lang
    photo = _photo(scene.photo)
    lay = layout.idle(m, scene.scanner, photo is not None)
    b = lay.boxes
    p.text(b["office"], scene.office_name, m.font(0.065), bold=True, colour=PRIMARY)
    staff = counter_label(lang, scene.counter)
    if scene.officer_name:
        staff += " · " + t(lang, "idle.officer", name=scene.officer_name)
    p.text(b["staff"], staff, m.font(0.045), colour=MUTED, align="left" if photo else "center")
    if photo is not None and "photo" in b:
        box = b["photo"]
        p.surface.blit(pygame.transform.smoothscale(photo, (box.w, box.h)), (box.x, box.y))
    gated = scene.rules.gating
    start = b["start"]
    pygame.draw.rect(p.surface, PRIMARY, _rect(start), border_radius=max(12, start.h // 10))
    p.text(b["prompt"], t(lang, "idle.prompt"), m.font(0.11), bold=True, colour=ON_PRIMARY)
    p.text(b["prompt-other"], t(other(lang), "idle.prompt"), m.font(0.05), colour=CHOSEN)
    p.text(b["hint"], t(lang, "idle.gated" if gated else "idle.touch"), m.font(0.045),
           colour=ON_PRIMARY)
    if "scan" in b:
        box = b["scan"]
        icon = Box(box.x, box.y + box.h // 5, box.h * 3 // 4, box.h * 3 // 5)
        drawing.barcode(p.surface, _rect(icon), INK)
        p.text(Box(icon.right + m.gap, box.y, box.w - icon.w - m.gap, box.h),
               t(lang, "idle.scan"), m.font(0.045), bold=True, align="left")
    _lang_button(p, b["lang"], m, lang)
    _banner(p, m, scene, Box(start.x, start.y, start.w, max(m.target, start.h // 4)))
    return lay


def counter_label(lang: str, counter: str) -> str:
    """"Quầy 3" for a bare number or code; a label that already says what it is stays as it is."""
    if any(ch.isalpha() for ch in counter) and " " in counter:
        return counter
    return t(lang, "idle.counter", counter=counter)


@lru_cache(maxsize=4)
def _photo(path: str) -> pygame.Surface | None:
    if not path or not Path(path).is_file():
        return None
    try:
        return pygame.image.load(path).convert()
    except (pygame.error, OSError):
        return None


def _top(p: Painter, m: Metrics, scene: Scene, lay: Layout) -> None:
    b = lay.boxes
    n, total = flow.progress(scene.state, scene.rules)
    p.text(b["progress"], t(scene.state.lang, "question.progress", n=n, total=total),
           m.font(0.04), colour=MUTED, align="left")
    if "speak" in b and scene.speaker:
        box = b["speak"]
        pygame.draw.rect(p.surface, BUTTON, _rect(box), border_radius=box.h // 4)
        drawing.speaker(p.surface, _rect(box), INK)
    _lang_button(p, b["lang"], m, scene.state.lang)


def _bottom(p: Painter, m: Metrics, lang: str, lay: Layout, main: str) -> None:
    b = lay.boxes
    size = m.font(0.042)
    if "back" in b:
        box = b["back"]
        arrow = max(8, box.h // 5)
        p.button(box, t(lang, "question.back"), size, icon_left=arrow * 2 + 4)
        drawing.arrow_left(p.surface, (box.x + max(6, box.h // 8) + arrow + 2, box.center[1]),
                           arrow, INK)
    if main in b:
        primary = main == "continue"
        p.button(b[main], t(lang, f"question.{main}"), size, fill=PRIMARY if primary else BUTTON,
                 colour=ON_PRIMARY if primary else INK)


def _question(p: Painter, m: Metrics, scene: Scene, question: Question) -> Layout:
    state = scene.state
    session = state.session
    assert session is not None
    lang = state.lang
    back = flow.progress(state, scene.rules)[0] > 1
    answer = session.answers.get(question.id)
    if question.is_rating:
        lay = layout.rating(m, scene.speaker, question.not_yet is not None, back)
        b = lay.boxes
        # one size for the five labels, the largest at which each fits (bold, as when chosen)
        label_px = min(fit(t(lang, f"scale.{n}"), b[f"label:{n}"].w - 4, b[f"label:{n}"].h,
                           m.font(0.036), True)[0] for n in range(1, 6))
        for level in range(1, 6):
            disc = b[f"face-disc:{level}"]
            chosen = answer == level
            if chosen:
                pygame.draw.rect(p.surface, CHOSEN, _rect(b[f"face:{level}"]),
                                 border_radius=m.gap)
            p.surface.blit(drawing.face(disc.w, level, chosen), (disc.x, disc.y))
            p.text(b[f"label:{level}"].inset(2, 0), t(lang, f"scale.{level}"), label_px,
                   bold=chosen)
        if "not-yet" in b and question.not_yet is not None:
            p.button(b["not-yet"], question.not_yet.get(lang), m.font(0.042))
        _bottom(p, m, lang, lay, "skip")
    else:
        multi = question.type == "multi"
        lay = layout.choices(m, scene.speaker, len(question.choices), multi, session.page, back)
        b = lay.boxes
        picked = set(answer) if isinstance(answer, tuple) else set()
        # at the limit the other chips are dimmed: a further tap does nothing until one is untapped
        full = question.max_choices is not None and len(picked) >= question.max_choices
        for index, choice in enumerate(question.choices):
            box = b.get(f"choice:{index}")
            if box is None:
                continue
            on = choice.id in picked
            tick = min(box.h // 2, m.target // 2) if multi else 0
            p.button(box, f"{index + 1}. {choice.text.get(lang)}" if index < 9 else
                     choice.text.get(lang), m.font(0.034 if multi else 0.05),
                     fill=CHOSEN if on else (DIMMED if full else BUTTON), bold=on or not multi,
                     colour=MUTED if full and not on else INK,
                     icon_left=tick + 6 if multi else 0)
            if multi:
                mark = Box(box.x + max(6, box.h // 8), box.center[1] - tick // 2, tick, tick)
                pygame.draw.rect(p.surface, ON_PRIMARY, _rect(mark), border_radius=4)
                pygame.draw.rect(p.surface, INK, _rect(mark), 2, border_radius=4)
                if on:
                    drawing.check(p.surface, _rect(mark), PRIMARY)
        if multi and "hint" in b:
            hint = (t(lang, "question.choose_up_to", n=question.max_choices)
                    if question.max_choices is not None else t(lang, "question.choose_many"))
            p.text(b["hint"], hint, m.font(0.032), colour=MUTED)
        if "more" in b:
            p.button(b["more"], f"{t(lang, 'question.more')} ({session.page + 1}/{lay.pages})",
                     m.font(0.042))
        _bottom(p, m, lang, lay, "continue" if multi else "skip")
    p.text(lay.boxes["question"], question.text.get(lang), m.font(0.062), bold=True)
    _top(p, m, scene, lay)
    _banner(p, m, scene, lay.boxes["banner"])
    return lay


def _banner(p: Painter, m: Metrics, scene: Scene, box: Box) -> None:
    state = scene.state
    if not state.banner:
        return
    pygame.draw.rect(p.surface, BANNER, _rect(box), border_radius=m.gap)
    text = t(state.lang, state.banner, name=scene.officer_name or state.officer or "")
    p.text(box.inset(m.gap), text, m.font(0.045), bold=True)


def _thanks(p: Painter, m: Metrics, scene: Scene) -> Layout:
    lang = scene.state.lang
    complaint = scene.state.complaint and bool(scene.complaint_url or scene.complaint_hotline)
    lay = layout.thanks(m, complaint)
    b = lay.boxes
    p.text(b["title"], t(lang, "thanks.title"), m.font(0.12), bold=True, colour=PRIMARY)
    if not complaint:
        p.text(b["body"], t(lang, "thanks.body"), m.font(0.05))
        return lay
    lines = [t(lang, "thanks.complaint")]
    if scene.complaint_url:
        lines.append(scene.complaint_url)
    if scene.complaint_hotline:
        lines.append(t(lang, "thanks.hotline", hotline=scene.complaint_hotline))
    if scene.complaint_url:
        lines.append(t(lang, "thanks.scan_qr"))
        box = b["qr"]
        code = drawing.qr(scene.complaint_url, box.w)
        p.surface.blit(code, (box.x + (box.w - code.get_width()) // 2,
                              box.y + (box.h - code.get_height()) // 2))
    else:
        b["text"] = Box(m.body.x, b["text"].y, m.body.w, b["text"].h)
    p.text(b["text"], "\n".join(lines), m.font(0.05))
    return lay


def _notice(p: Painter, m: Metrics, scene: Scene) -> Layout:
    lang, key = scene.state.lang, scene.state.notice
    lay = layout.notice(m)
    p.text(lay.boxes["title"], t(lang, key), m.font(0.08), bold=True, colour=PRIMARY)
    p.text(lay.boxes["body"], t(lang, f"{key}_detail"), m.font(0.045))
    return lay


def _locked_minutes(state: flow.State) -> int:
    """Minutes until the PIN screen unlocks, counted from the last touch (the try that locked)."""
    if state.pin_locked_until is None or state.last_input is None:
        return 0
    return max(1, math.ceil((state.pin_locked_until - state.last_input).total_seconds() / 60))


def _pin(p: Painter, m: Metrics, scene: Scene) -> Layout:
    lang = scene.state.lang
    lay = layout.pin(m)
    b = lay.boxes
    p.text(b["title"], t(lang, "pin.title"), m.font(0.06), bold=True)
    field_box = b["field"]
    pygame.draw.rect(p.surface, ON_PRIMARY, _rect(field_box), border_radius=m.gap)
    p.text(field_box, "●" * len(scene.state.pin) or " ", m.font(0.06))
    if scene.state.pin_message:
        p.text(b["message"], t(lang, scene.state.pin_message, minutes=_locked_minutes(scene.state)),
               m.font(0.04), colour=DANGER)
    for name in lay.targets:
        label = name.removeprefix("pin:")
        text = label if label.isdigit() else t(lang, f"pin.{label}")
        p.button(b[name], text, m.font(0.05), fill=PRIMARY if label == "ok" else BUTTON,
                 colour=ON_PRIMARY if label == "ok" else INK)
    return lay


def _service(p: Painter, m: Metrics, scene: Scene) -> Layout:
    lang = scene.state.lang
    rows = list(scene.service_rows)
    state = scene.state
    if state.scan_test:
        when = state.scan_test_at.strftime("%H:%M:%S") if state.scan_test_at else ""
        key = {"waiting": "test_waiting", "receipt": "test_receipt", "officer": "test_officer",
               "unknown": "test_unknown"}[state.scan_test]
        rows.append((t(lang, "service.test_scanner"), t(lang, f"service.{key}", time=when)))
    lay = layout.service(m, len(rows))
    b = lay.boxes
    p.text(b["title"], t(lang, "service.title"), m.font(0.05), bold=True)
    for index, (label, value) in enumerate(rows):
        p.text(b[f"row-label:{index}"], label, m.font(0.032), colour=MUTED, align="left")
        p.text(b[f"row-value:{index}"], value, m.font(0.032), bold=True, align="left")
    p.button(b["service:test-scanner"], t(lang, "service.test_scanner"), m.font(0.04))
    p.button(b["service:close"], t(lang, "service.close"), m.font(0.04))
    p.button(b["service:exit"], t(lang, "service.exit"), m.font(0.04), fill=DANGER,
             colour=ON_PRIMARY)
    return lay


def event_for(name: str, scene: Scene, lay: Layout, now: datetime, pos: tuple[int, int]
              ) -> flow.Event | None:
    """The flow event of a touch on target ``name``."""
    common: dict[str, Any] = {"now": now, "target": name, "pos": pos}
    kind, _, arg = name.partition(":")
    if kind == "face":
        return flow.Rate(int(arg), **common)
    if kind == "choice":
        return flow.Choose(int(arg), **common)
    if kind == "pin":
        return flow.PinKey(arg, **common)
    if kind == "service":
        return flow.ServiceAction(arg, **common)  # type: ignore[arg-type]
    simple: dict[str, flow.Event] = {
        "lang": flow.SwitchLanguage(**common), "start": flow.Start(trigger="tap", **common),
        "skip": flow.Skip(**common), "not-yet": flow.Skip(**common),
        "continue": flow.Continue(**common), "back": flow.Back(**common),
        "speak": flow.ReadAloud(**common), "more": flow.NextPage(lay.pages, **common),
    }
    if name == "speak" and not scene.speaker:
        return None
    return simple.get(name)
