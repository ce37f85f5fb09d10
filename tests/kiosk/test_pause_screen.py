"""The pause screen at every listed resolution and in both languages: all four texts drawn whole,
each inside its box, the kiosk's own language first and larger."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pygame
import pytest

from hailong.questionnaire import load_catalog
from kiosk import flow, view
from kiosk.draft import Draft
from kiosk.i18n import other, t

SIZES = [(800, 480), (1024, 600), (1280, 800), (1920, 1080), (1080, 1920)]
NOW = datetime(2026, 12, 3, 9, 0, tzinfo=timezone(timedelta(hours=7)))
RULES = flow.Rules(questionnaire=load_catalog()["sipas@3"])


@pytest.fixture(scope="module", autouse=True)
def display() -> object:
    pygame.display.init()
    pygame.font.init()
    yield None
    view.forget_cached()
    pygame.quit()


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_pause_fits_every_size_in_both_languages(size: tuple[int, int], lang: str) -> None:
    draft = Draft(answers={"overall": 4}, trigger="tap", lang=lang, started_at=NOW,
                  submitted_at=NOW, complete=True)
    state, _ = flow.step(replace(flow.initial_state(RULES), lang=lang),
                         flow.StoreFailed(draft, "full", now=NOW), replace(RULES, language=lang))
    assert state.screen == "paused"
    surface = pygame.Surface(size)
    _, painter = view.draw(surface, view.Scene(state=state, rules=RULES, office_name="UBND",
                                               counter="3"), 6.0)
    drawn = {item.text: item for item in painter.drawn}
    order = [t(lang, "paused.title"), t(lang, "paused.detail"),
             t(other(lang), "paused.title"), t(other(lang), "paused.detail")]
    assert list(drawn) == order
    for item in painter.drawn:
        box, rect = item.box, item.rect
        assert not item.truncated, f"{item.text!r} cut to fit {box}"
        assert box.x <= rect.x and box.y <= rect.y and rect.right <= box.right \
            and rect.bottom <= box.bottom, f"{item.text!r} {rect} leaves its box {box}"
    first, second = drawn[order[0]], drawn[order[2]]
    assert first.rect.bottom <= second.rect.y and first.rect.h > second.rect.h
