"""The screens one citizen would see, drawn off-screen while the kiosk is idle so that fonts and
text are cached before anyone needs them (a cold 1920×1080 question takes ~100 ms, a warm ~3)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from kiosk import flow
from kiosk.i18n import other

# Enough presses to reach the thank-you through every screen of any bundled questionnaire.
MAX_PRESSES = 60


def warm_up_states(rules: flow.Rules, idle: flow.State) -> list[flow.State]:
    """Every screen in each language (a low overall answer: reasons and the complaint channel),
    the "receipt or result?" screen, and the notice."""
    states: list[flow.State] = []
    at = datetime.now().astimezone()
    for lang in (idle.lang, other(idle.lang)):
        # as once the outbox is open: the warm-up starts with the first idle frame, before it is
        state = replace(idle, lang=lang, outbox_open=True)
        for name in ["enter", "1", *["3"] * MAX_PRESSES]:
            at += timedelta(seconds=1)
            question = flow.current_question(state, rules)
            if question is not None and question.type == "multi":
                name = "enter"
            state, _ = flow.step(state, flow.Key(name, now=at), rules)
            states.append(state)
            states += _chosen_variants(state, rules)
            if state.screen == "thanks":
                break
        states.append(replace(state, screen="notice", notice="notice.already_rated"))
        if states[1].session is not None:
            staged = replace(states[1].session, ask_stage=True, current=flow.STAGE_SCREEN)
            states.append(replace(states[1], session=staged))
    return states


def _chosen_variants(state: flow.State, rules: flow.Rules) -> list[flow.State]:
    """The screen as it looks with answers chosen (bold labels, ticked chips, every page)."""
    questions = flow.current_questions(state, rules)
    session = state.session
    if not questions or session is None:
        return []
    # every chip chosen; and, where a question allows fewer, the first and the last allowed
    # chosen with the others dimmed (needs: two of eight), so each chip is seen both ways
    every, first, last = dict(session.answers), dict(session.answers), dict(session.answers)
    for question in questions:
        if question.is_rating:
            if question.id == flow.overall_id(rules.questionnaire):
                return [replace(state, session=replace(session, answers={**every,
                                                                           question.id: level}))
                        for level in range(1, 6)]
            every[question.id] = first[question.id] = last[question.id] = 5
        else:
            ids = tuple(choice.id for choice in question.choices)
            most = question.max_choices or len(ids)
            every[question.id], first[question.id], last[question.id] = ids, ids[:most], ids[-most:]
    variants = [every] + ([first, last] if first != every else [])
    # layout.choices wraps the page number, so four covers any screen's pages
    return [replace(state, session=replace(session, answers=answers, page=page))
            for answers in variants for page in range(4)]
