"""The screens around the questions: idle, thank-you, notice, pause, PIN, the technician's screen,
and the one entry point that draws any flow state (questions in :mod:`kiosk.question_view`)."""

from __future__ import annotations

import math
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import pygame

from kiosk import drawing, flow, layout, paint, question_view
from kiosk.i18n import other, t
from kiosk.layout import Box, Layout, Metrics
from kiosk.paint import (
    BACKGROUND,
    BUTTON,
    CHOSEN,
    DANGER,
    INK,
    MUTED,
    ON_PRIMARY,
    PRIMARY,
    Painter,
    rect,
)
from kiosk.phone import thanks_link
from kiosk.question_view import banner, lang_button
from kiosk.scene import Scene

__all__ = ["Painter", "Scene", "counter_label", "draw", "event_for", "forget_cached"]


def forget_cached() -> None:
    """Drop fonts and surfaces: they die with ``pygame.quit()``, and a dead font crashes."""
    for cached in (paint.load_font, paint.fit, paint.render, _photo, drawing.face, drawing.qr):
        cached.cache_clear()


def draw(surface: pygame.Surface, scene: Scene, pixels_per_mm: float) -> tuple[Layout, Painter]:
    """Draw ``scene``; returns the layout (to hit-test touches) and what was drawn."""
    m = layout.metrics(surface.get_size(), pixels_per_mm)
    painter = Painter(surface)
    surface.fill(BACKGROUND)
    screen = scene.state.screen
    if screen == "question" and scene.state.session is not None:
        result = question_view.draw_question(painter, m, scene)
    elif screen == "thanks":
        result = _thanks(painter, m, scene)
    elif screen == "notice":
        result = _notice(painter, m, scene)
    elif screen == "paused":
        result = _paused(painter, m, scene)
    elif screen == "pin":
        result = _pin(painter, m, scene)
    elif screen == "service":
        result = _service(painter, m, scene)
    elif screen == "phone":
        result = _phone(painter, m, scene)
    else:
        result = _idle(painter, m, scene)
    return result, painter


def _idle(p: Painter, m: Metrics, scene: Scene) -> Layout:
    lang = scene.state.lang
    photo = _photo(scene.photo)
    lay = layout.idle(m, scene.scanner, photo is not None, bool(scene.results))
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
    pygame.draw.rect(p.surface, PRIMARY, rect(start), border_radius=max(12, start.h // 10))
    p.text(b["prompt"], t(lang, "idle.prompt"), m.font(0.11), bold=True, colour=ON_PRIMARY)
    p.text(b["prompt-other"], t(other(lang), "idle.prompt"), m.font(0.05), colour=CHOSEN)
    p.text(b["hint"], scene.t("idle.gated" if gated else "idle.touch"), m.font(0.045),
           colour=ON_PRIMARY)
    if "scan" in b:
        box = b["scan"]
        icon = Box(box.x, box.y + box.h // 5, box.h * 3 // 4, box.h * 3 // 5)
        drawing.barcode(p.surface, rect(icon), INK)
        p.text(Box(icon.right + m.gap, box.y, box.w - icon.w - m.gap, box.h),
               scene.t("idle.scan"), m.font(0.045), bold=True, align="left")
    if "results" in b:  # last month and one action done, each on its own line
        box = b["results"]
        line_h = box.h // len(scene.results)
        for i, line in enumerate(scene.results):
            p.text(Box(box.x, box.y + i * line_h, box.w, line_h), line, m.font(0.04),
                   bold=i == 0, colour=PRIMARY if i == 0 else MUTED)
    lang_button(p, b["lang"], m, lang)
    banner(p, m, scene, Box(start.x, start.y, start.w, max(m.target, start.h // 4)))
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




def _thanks(p: Painter, m: Metrics, scene: Scene) -> Layout:
    lang = scene.state.lang
    complaint = scene.state.complaint and bool(scene.complaint_url or scene.complaint_hotline)
    link = thanks_link(scene.state)  # the result stage's, when that is still to come
    # box → (what the code encodes, its caption when two codes stand side by side)
    codes = {name: (text, caption) for name, text, caption in (
        ("qr", scene.complaint_url if complaint else "", "phone.caption_complaint"),
        ("link-qr", link, "phone.caption_link")) if text}
    lay = layout.thanks(m, complaint or bool(link), tuple(codes))
    b = lay.boxes
    p.text(b["title"], t(lang, "thanks.title"), m.font(0.12), bold=True, colour=PRIMARY)
    if "body" in b:
        p.text(b["body"], t(lang, "thanks.body"), m.font(0.05))
        return lay
    lines = [t(lang, "thanks.body")]
    if complaint:  # beside two codes, the line names the complaint channel's by its caption
        lines = [t(lang, "phone.complaint", caption=t(lang, "phone.caption_complaint"))
                 if "qr-caption" in b else t(lang, "thanks.complaint")]
    # beside the phone link's code, the complaint channel's own (captioned) code carries its
    # address: a long address printed in the narrower text would not fit a small screen
    if complaint and scene.complaint_url and not link:
        lines.append(scene.complaint_url)
    if complaint and scene.complaint_hotline:
        lines.append(t(lang, "thanks.hotline", hotline=scene.complaint_hotline))
    if complaint and scene.complaint_url and not link:
        lines.append(t(lang, "thanks.scan_qr"))
    if link:
        lines.append(t(lang, "phone.thanks"))
    for name, (text, caption) in codes.items():
        _qr(p, b[name], text)
        if f"{name}-caption" in b:
            p.text(b[f"{name}-caption"], t(lang, caption), m.font(0.036), bold=True)
    p.text(b["text"], "\n".join(lines), m.font(0.05))
    return lay


def _qr(p: Painter, box: Box, text: str) -> None:
    """``text`` as a QR code centred in ``box`` (black on white, its quiet zone included)."""
    code = drawing.qr(text, box.w)
    p.surface.blit(code, (box.x + (box.w - code.get_width()) // 2,
                          box.y + (box.h - code.get_height()) // 2))


def _phone(p: Painter, m: Metrics, scene: Scene) -> Layout:
    """"Rate later on my phone": the link's QR full-screen, one line, and "Xong"."""
    lay = layout.phone(m)
    b = lay.boxes
    p.text(b["line"], scene.t("phone.instructions"), m.font(0.05), bold=True)
    if scene.state.link is not None and scene.state.link.url:
        _qr(p, b["qr"], scene.state.link.url)
    p.button(b["phone-done"], scene.t("phone.done"), m.font(0.06), fill=PRIMARY,
             colour=ON_PRIMARY)
    return lay


def _notice(p: Painter, m: Metrics, scene: Scene) -> Layout:
    key = scene.state.notice
    lay = layout.notice(m)
    p.text(lay.boxes["title"], scene.t(key), m.font(0.08), bold=True, colour=PRIMARY)
    p.text(lay.boxes["body"], scene.t(f"{key}_detail"), m.font(0.045))
    return lay


def _paused(p: Painter, m: Metrics, scene: Scene) -> Layout:
    """Calm, in both languages (the kiosk's own first), no error words: the disk is full."""
    lang = scene.state.lang
    lay = layout.paused(m)
    b = lay.boxes
    p.text(b["title"], t(lang, "paused.title"), m.font(0.08), bold=True, colour=PRIMARY)
    p.text(b["body"], t(lang, "paused.detail"), m.font(0.045))
    p.text(b["title-other"], t(other(lang), "paused.title"), m.font(0.055), bold=True,
           colour=MUTED)
    p.text(b["body-other"], t(other(lang), "paused.detail"), m.font(0.035), colour=MUTED)
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
    pygame.draw.rect(p.surface, ON_PRIMARY, rect(field_box), border_radius=m.gap)
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
        rows.append((t(lang, "service.test_scanner"), scene.t(f"service.{key}", time=when)))
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
    if kind == "pin":
        return flow.PinKey(arg, **common)
    if kind == "service":
        return flow.ServiceAction(arg, **common)  # type: ignore[arg-type]
    if name == "lang":
        return flow.SwitchLanguage(**common)
    if name == "start":
        return flow.Start(trigger="tap", **common)
    if name == "phone-done":
        return flow.PhoneDone(**common)
    return question_view.event_for(name, scene, lay, now, pos)
