"""The question screens: one question, several questions in rows, and "receipt or result?".

Each draws one flow state into the boxes of :mod:`kiosk.layout` / :mod:`kiosk.grid_layout`
and names its touch targets so :func:`event_for` can turn a touch into a flow event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pygame

from hailong.questionnaire import Question
from kiosk import drawing, flow, grid_layout, layout
from kiosk.i18n import other, t
from kiosk.layout import Box, Layout, Metrics
from kiosk.paint import (
    BANNER,
    BUTTON,
    CHOSEN,
    DIMMED,
    INK,
    MUTED,
    ON_PRIMARY,
    PRIMARY,
    SEND,
    Painter,
    fit,
    rect,
)
from kiosk.phone import offers_phone
from kiosk.scene import Scene

# The keypad's highlighted row on a screen of several questions.
HIGHLIGHT = (233, 239, 247)


def lang_button(p: Painter, box: Box, m: Metrics, lang: str) -> None:
    radius = max(8, min(box.h // 4, box.w // 8))
    p.button(box, t(other(lang), "language_name"), m.font(0.04), icon_left=radius * 2 + 6)
    drawing.globe(p.surface, (box.x + max(6, box.h // 8) + radius + 4, box.center[1]), radius, INK)


def banner(p: Painter, m: Metrics, scene: Scene, box: Box) -> None:
    state = scene.state
    if not state.banner:
        return
    pygame.draw.rect(p.surface, BANNER, rect(box), border_radius=m.gap)
    text = scene.t(state.banner, name=scene.officer_name or state.officer or "")
    p.text(box.inset(m.gap), text, m.font(0.045), bold=True)


def _top(p: Painter, m: Metrics, scene: Scene, lay: Layout) -> None:
    b = lay.boxes
    n, total = flow.progress(scene.state, scene.rules)
    p.text(b["progress"], t(scene.state.lang, "question.progress", n=n, total=total),
           m.font(0.04), colour=MUTED, align="left")
    if "speak" in b and scene.speaker:
        box = b["speak"]
        pygame.draw.rect(p.surface, BUTTON, rect(box), border_radius=box.h // 4)
        drawing.speaker(p.surface, rect(box), INK)
    lang_button(p, b["lang"], m, scene.state.lang)


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
        primary = main == "continue" and "send" not in b
        p.button(b[main], t(lang, f"question.{main}"), size, fill=PRIMARY if primary else BUTTON,
                 colour=ON_PRIMARY if primary else INK)
    if "send" in b:
        p.button(b["send"], t(lang, "question.send"), m.font(0.048), fill=SEND, colour=ON_PRIMARY)


def _sends(scene: Scene) -> bool:
    """Send shows from the first screen after the opening question."""
    return flow.progress(scene.state, scene.rules)[0] > 1


def draw_question(p: Painter, m: Metrics, scene: Scene) -> Layout:
    state = scene.state
    questions = flow.current_questions(state, scene.rules)
    if flow.on_stage_screen(state):
        lay = _stage(p, m, scene)
    elif len(questions) > 1:
        lay = _group(p, m, scene, questions)
    else:
        lay = _single(p, m, scene, questions[0])
    _top(p, m, scene, lay)
    banner(p, m, scene, lay.boxes["banner"])
    return lay


def _faces(p: Painter, m: Metrics, lang: str, b: dict[str, Box], prefix: str, answer: object,
           label_px: int | None, disc_share: float = 1.0) -> None:
    for level in range(1, 6):
        cell = b[f"{prefix}{level}"]
        chosen = answer == level
        if chosen:
            pygame.draw.rect(p.surface, CHOSEN, rect(cell), border_radius=m.gap)
        disc = b.get(f"face-disc:{level}") if prefix == "face:" else None
        if disc is None:
            d = round(min(cell.w, cell.h) * disc_share)
            disc = Box(cell.x + (cell.w - d) // 2, cell.y + (cell.h - d) // 2, d, d)
        p.surface.blit(drawing.face(disc.w, level, chosen), (disc.x, disc.y))
        if label_px is not None:
            p.text(b[f"label:{level}"].inset(2, 0), t(lang, f"scale.{level}"), label_px,
                   bold=chosen)


def _label_px(m: Metrics, lang: str, b: dict[str, Box]) -> int:
    """One size for the five labels, the largest at which each fits (bold, as when chosen)."""
    return min(fit(t(lang, f"scale.{n}"), b[f"label:{n}"].w - 4, b[f"label:{n}"].h,
                   m.font(0.036), True)[0] for n in range(1, 6))


def _single(p: Painter, m: Metrics, scene: Scene, question: Question) -> Layout:
    state = scene.state
    session = state.session
    assert session is not None
    lang = state.lang
    back = flow.progress(state, scene.rules)[0] > 1
    send = _sends(scene)
    answer = session.answers.get(question.id)
    later = offers_phone(state, scene.rules)  # "Rate later on my phone" (kiosk/phone.py)
    if question.is_rating:
        lay = layout.rating(m, scene.speaker, question.not_yet is not None, back, send, later)
        b = lay.boxes
        _faces(p, m, lang, b, "face:", answer, _label_px(m, lang, b))
        if "not-yet" in b and question.not_yet is not None:
            p.button(b["not-yet"], question.not_yet.get(lang), m.font(0.042),
                     fill=CHOSEN if answer == 0 else BUTTON)
        _bottom(p, m, lang, lay, "skip")
    else:
        multi = question.type == "multi"
        lay = layout.choices(m, scene.speaker, len(question.choices), multi, session.page, back,
                             send, later)
        b = lay.boxes
        _chips(p, m, lang, question, answer, {i: b.get(f"choice:{i}") for i in
                                              range(len(question.choices))}, numbered=True)
        if multi and "hint" in b:
            p.text(b["hint"], _hint(lang, question), m.font(0.032), colour=MUTED)
        if "more" in b:
            p.button(b["more"], f"{t(lang, 'question.more')} ({session.page + 1}/{lay.pages})",
                     m.font(0.042))
        _bottom(p, m, lang, lay, "continue" if multi else "skip")
    if "phone" in lay.boxes:
        p.button(lay.boxes["phone"], t(lang, "phone.button"), m.font(0.038))
    p.text(lay.boxes["question"], question.text.get(lang), m.font(0.062), bold=True)
    return lay


def _hint(lang: str, question: Question) -> str:
    return (t(lang, "question.choose_up_to", n=question.max_choices)
            if question.max_choices is not None else t(lang, "question.choose_many"))


def _chips(p: Painter, m: Metrics, lang: str, question: Question, answer: object,
           boxes: dict[int, Box | None], numbered: bool, size: float | None = None) -> None:
    multi = question.type == "multi"
    picked = set(answer) if isinstance(answer, tuple) else set()
    # at the limit the other chips are dimmed: a further tap does nothing until one is untapped
    full = question.max_choices is not None and len(picked) >= question.max_choices
    for index, choice in enumerate(question.choices):
        box = boxes.get(index)
        if box is None:
            continue
        on = choice.id in picked
        tick = min(box.h // 2, m.target // 2) if multi else 0
        label = choice.text.get(lang)
        p.button(box, f"{index + 1}. {label}" if numbered and index < 9 else label,
                 m.font(size or (0.034 if multi else 0.05)),
                 fill=CHOSEN if on else (DIMMED if full else BUTTON), bold=on or not multi,
                 colour=MUTED if full and not on else INK, icon_left=tick + 6 if multi else 0)
        if multi:
            mark = Box(box.x + max(6, box.h // 8), box.center[1] - tick // 2, tick, tick)
            pygame.draw.rect(p.surface, ON_PRIMARY, rect(mark), border_radius=4)
            pygame.draw.rect(p.surface, INK, rect(mark), 2, border_radius=4)
            if on:
                drawing.check(p.surface, rect(mark), PRIMARY)


def group_rows(questions: list[Question]) -> list[grid_layout.Row]:
    return [grid_layout.Row(q.id, "rating", not_yet=q.not_yet is not None) if q.is_rating else
            grid_layout.Row(q.id, "multi" if q.type == "multi" else "choices", len(q.choices))
            for q in questions]


def _group(p: Painter, m: Metrics, scene: Scene, questions: list[Question]) -> Layout:
    state = scene.state
    session = state.session
    assert session is not None
    lang = state.lang
    note = scene.questionnaire.group_note(questions[0].group)
    lay = grid_layout.group(m, scene.speaker, group_rows(questions), True, note is not None)
    b = lay.boxes
    if note is not None:
        p.text(b["note"], note.get(lang), m.font(0.038), colour=MUTED)
    elif "label:1" in b:
        px = _label_px(m, lang, b)
        for level in range(1, 6):
            p.text(b[f"label:{level}"].inset(2, 0), t(lang, f"scale.{level}"), px, colour=MUTED)
    for index, question in enumerate(questions):
        row = b[f"row:{index}"]
        if index == session.row:
            pygame.draw.rect(p.surface, HIGHLIGHT, rect(row), border_radius=m.gap)
        answer = session.answers.get(question.id)
        text_box = b[f"row-text:{question.id}"].inset(m.gap // 2, 0)
        text = question.text.get(lang)
        if question.type == "multi":
            text += "\n" + _hint(lang, question)
        p.text(text_box, text, m.font(0.04), bold=True, align="left")
        if question.is_rating:
            _faces(p, m, lang, b, f"face:{question.id}:", answer, None, 0.86)
            if question.not_yet is not None:
                p.button(b[f"not-yet:{question.id}"], question.not_yet.get(lang), m.font(0.03),
                         fill=CHOSEN if answer == 0 else BUTTON, bold=answer == 0)
        else:
            _chips(p, m, lang, question, answer,
                   {i: b.get(f"choice:{question.id}:{i}") for i in range(len(question.choices))},
                   numbered=question.type == "multi", size=0.032 if question.type == "multi"
                   else 0.04)
    _bottom(p, m, lang, lay, "continue")
    return lay


def _stage(p: Painter, m: Metrics, scene: Scene) -> Layout:
    lang = scene.state.lang
    lay = grid_layout.stage(m, scene.speaker, back=True)
    b = lay.boxes
    p.text(b["question"], t(lang, "stage.question"), m.font(0.062), bold=True)
    for number, stage in enumerate(("receive", "result"), 1):
        p.button(b[f"stage:{stage}"], f"{number}. {t(lang, f'stage.{stage}')}", m.font(0.06))
    _bottom(p, m, lang, lay, "skip")
    return lay


def event_for(name: str, scene: Scene, lay: Layout, now: datetime, pos: tuple[int, int]
              ) -> flow.Event | None:
    """The flow event of a touch on a question screen's target ``name``."""
    common: dict[str, Any] = {"now": now, "target": name, "pos": pos}
    kind, _, arg = name.partition(":")
    question, _, value = arg.rpartition(":")
    if kind == "face":
        return flow.Rate(int(value), question=question or None, **common)
    if kind == "choice":
        return flow.Choose(int(value), question=question or None, **common)
    if kind == "not-yet":
        return flow.Skip(question=arg or None, not_asked=True, **common)
    if kind == "stage":
        return flow.PickStage(arg, **common)  # type: ignore[arg-type]
    simple: dict[str, flow.Event] = {
        "skip": flow.Skip(**common), "continue": flow.Continue(**common),
        "back": flow.Back(**common), "send": flow.Send(**common),
        "speak": flow.ReadAloud(**common), "more": flow.NextPage(lay.pages, **common),
        "phone": flow.RateOnPhone(**common),
    }
    if name == "speak" and not scene.speaker:
        return None
    return simple.get(name)
