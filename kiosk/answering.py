"""The question screens' transitions: answering, moving between rows and screens, sending."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from hailong.questionnaire import Question
from kiosk.draft import Draft
from kiosk.events import (
    Back,
    Choose,
    Continue,
    Effect,
    Event,
    NextPage,
    PickStage,
    Rate,
    ReadAloud,
    Send,
    Skip,
    Speak,
    Submit,
    Up,
)
from kiosk.path import (
    current_question,
    current_questions,
    neighbour,
    on_stage_screen,
    overall_id,
    screen_of,
    spoken_text,
    wire_answers,
)
from kiosk.state import Rules, Session, State, back_to_idle


def answer_step(state: State, event: Event, rules: Rules) -> tuple[State, list[Effect]]:
    session = state.session
    if session is None:
        return back_to_idle(state, rules), []
    if isinstance(event, Send):
        if session.current == overall_id(rules.questionnaire) and not session.answers:
            return state, []  # no Send on the opening question: its answer is the rating
        return finish(state, session, event.now, rules, complete=True)
    if isinstance(event, Back):
        previous = neighbour(session, rules, forward=False)
        if previous is None:
            return state, []
        return _go(state, replace(session, current=previous), rules, last_row=True), []
    if on_stage_screen(state):
        if isinstance(event, PickStage):
            return _advance(state, replace(session, stage=event.stage), event.now, rules)
        if isinstance(event, Skip):
            return _advance(state, session, event.now, rules)
        return state, []
    questions = current_questions(state, rules)
    question = current_question(state, rules)
    if question is None:
        return back_to_idle(state, rules), []
    if isinstance(event, ReadAloud):
        note = rules.questionnaire.group_note(question.group) if len(questions) > 1 else None
        return state, [Speak(spoken_text(question, state.lang, note.get(state.lang) if note else ""),
                             state.lang)]
    if isinstance(event, Up):
        return replace(state, session=replace(session, row=max(0, session.row - 1))), []
    if isinstance(event, NextPage):
        page = (session.page + 1) % max(1, event.pages)
        return replace(state, session=replace(session, page=page)), []
    several = len(questions) > 1
    if isinstance(event, Continue):
        if several:
            return _next_row(state, session, event.now, rules, len(questions))
        if question.is_rating and question.id not in session.answers:
            return state, []  # Enter on an unanswered rating: the faces are the answer
        return _advance(state, session, event.now, rules)
    if isinstance(event, Rate | Skip | Choose):
        target = rules.questionnaire.question(event.question or question.id)
        if target is None or target.id not in {q.id for q in questions}:
            return state, []
        answers, moves = _answered(dict(session.answers), target, event)
        if answers is None:
            return state, []
        session = replace(session, answers=answers)
        if not moves:
            return replace(state, session=session), []
        if several:
            row = [q.id for q in questions].index(target.id)
            if event.keyed:
                return _next_row(state, replace(session, row=row), event.now, rules, len(questions))
            return replace(state, session=replace(session, row=min(row + 1, len(questions) - 1))), []
        return _advance(state, session, event.now, rules)
    return state, []


def _answered(answers: dict[str, Any], question: Question, event: Rate | Skip | Choose
              ) -> tuple[dict[str, Any] | None, bool]:
    """The answers with ``event`` applied (None when it means nothing here), and whether the
    highlight (or the screen) moves on: a tick on a multi-select chip stays."""
    if isinstance(event, Rate):
        if not (question.is_rating and 1 <= event.value <= 5):
            return None, False
        answers[question.id] = event.value
        return answers, True
    if isinstance(event, Skip):
        if event.not_asked:
            answers[question.id] = 0  # chosen on screen, never sent
        else:
            answers.pop(question.id, None)
        return answers, True
    if question.is_rating or not 0 <= event.index < len(question.choices):
        return None, False
    choice = question.choices[event.index].id
    if question.type != "multi":
        answers[question.id] = (choice,)
        return answers, True
    chosen = list(answers.get(question.id, ()))
    if choice in chosen:
        chosen.remove(choice)
    elif question.max_choices is None or len(chosen) < question.max_choices:
        chosen.append(choice)
    # kept in the questionnaire's order, whatever order they were tapped in
    order = [c.id for c in question.choices]
    answers[question.id] = tuple(sorted(chosen, key=order.index))
    return answers, False


def _next_row(state: State, session: Session, now: datetime, rules: Rules, rows: int
              ) -> tuple[State, list[Effect]]:
    if session.row + 1 < rows:
        return replace(state, session=replace(session, row=session.row + 1)), []
    return _advance(state, session, now, rules)


def _advance(state: State, session: Session, now: datetime, rules: Rules
             ) -> tuple[State, list[Effect]]:
    following = neighbour(session, rules, forward=True)
    if following is None:
        return finish(state, session, now, rules, complete=True)
    return _go(state, replace(session, current=following), rules), []


def _go(state: State, session: Session, rules: Rules, last_row: bool = False) -> State:
    rows = len(screen_of(rules, session))
    return replace(state, session=replace(session, page=0, row=rows - 1 if last_row else 0))


def make_draft(state: State, session: Session, now: datetime, rules: Rules, complete: bool) -> Draft:
    return Draft(answers=wire_answers(session, rules), trigger=session.trigger, lang=state.lang,
                 started_at=session.started_at, submitted_at=now, complete=complete,
                 receipt=session.receipt, officer=session.officer, stage=session.stage)


def finish(state: State, session: Session, now: datetime, rules: Rules,
            complete: bool) -> tuple[State, list[Effect]]:
    made = make_draft(state, session, now, rules, complete)
    overall = made.answers.get(overall_id(rules.questionnaire))
    low = isinstance(overall, int) and overall <= rules.complaint_threshold
    thanks = replace(state, screen="thanks", session=None, last_stored_at=now,
                     until=now + timedelta(seconds=rules.thank_you_seconds), complaint=low,
                     banner="", banner_until=None)
    return thanks, [Submit(made)]


