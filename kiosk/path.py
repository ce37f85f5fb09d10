"""Which screens a citizen is shown, what each asks, and what of their answers is sent."""

from __future__ import annotations

from hailong.questionnaire import Question, Questionnaire
from kiosk import i18n
from kiosk.draft import Answer
from kiosk.state import STAGE_SCREEN, Rules, Session, State


def overall_id(questionnaire: Questionnaire) -> str:
    """The question that opens the questionnaire and decides reasons and the complaint channel."""
    return questionnaire.enabled_questions[0].id


def shows(question: Question, session: Session, rules: Rules) -> bool:
    """Whether ``question`` is asked, given the answers so far and the dossier's stage.

    ``[kiosk] reasons_threshold`` moves the upper bound of an "at or below" condition on the
    opening question (the reasons), so an office can change it without editing the file. A
    question tied to a stage is asked at that stage, or when the stage is not known.
    """
    if question.stage is not None and session.stage not in (None, question.stage):
        return False
    cond = question.show_if
    if cond is None:
        return True
    top = cond.max
    if cond.question == overall_id(rules.questionnaire) and cond.min == 1:
        top = rules.reasons_threshold
    value = session.answers.get(cond.question)
    return isinstance(value, int) and cond.min <= value <= top


def path(rules: Rules, session: Session) -> list[Question]:
    """The questions this citizen is asked, in order, given the answers so far."""
    return [q for q in rules.questionnaire.enabled_questions if shows(q, session, rules)]


def screens(rules: Rules, session: Session) -> list[tuple[str, ...]]:
    """The screens of this citizen's path, each the ids it asks.

    Questions of one group share a screen when the screen can hold them (``rules.grouped``);
    the "receipt or result?" screen follows the opening question when it has to be asked.
    """
    out: list[tuple[str, ...]] = []
    previous: str | None = None
    for question in path(rules, session):
        if rules.grouped and question.group is not None and question.group == previous and out:
            out[-1] = (*out[-1], question.id)
        else:
            out.append((question.id,))
        previous = question.group
    if session.ask_stage and out:
        out.insert(1, (STAGE_SCREEN,))
    return out


def screen_of(rules: Rules, session: Session) -> tuple[str, ...]:
    """The ids on the current screen."""
    return next((s for s in screens(rules, session) if session.current in s), (session.current,))


def current_questions(state: State, rules: Rules) -> list[Question]:
    """The questions on the current screen (none on the stage screen)."""
    if state.session is None:
        return []
    found = (rules.questionnaire.question(qid) for qid in screen_of(rules, state.session))
    return [q for q in found if q is not None]


def current_question(state: State, rules: Rules) -> Question | None:
    """The highlighted question: the screen's only one, or the keypad's row."""
    questions = current_questions(state, rules)
    if not questions or state.session is None:
        return None
    return questions[min(state.session.row, len(questions) - 1)]


def on_stage_screen(state: State) -> bool:
    return state.session is not None and state.session.current == STAGE_SCREEN


def progress(state: State, rules: Rules) -> tuple[int, int]:
    """(n, total) of the current screen among those shown."""
    if state.session is None:
        return 0, 0
    shown = screens(rules, state.session)
    n = next((i for i, s in enumerate(shown, 1) if state.session.current in s), 0)
    return n, len(shown)


def neighbour(session: Session, rules: Rules, forward: bool) -> str | None:
    """The first id of the next (or previous) screen, or None at either end."""
    shown = screens(rules, session)
    here = next((i for i, s in enumerate(shown) if session.current in s), None)
    if here is None:
        return None
    there = here + (1 if forward else -1)
    return shown[there][0] if 0 <= there < len(shown) else None


def wire_answers(session: Session, rules: Rules) -> dict[str, Answer]:
    """The answers to send: questions still asked, choices as lists, nothing empty, and no
    "not received yet" (it counts as not asked)."""
    asked = {q.id for q in path(rules, session)}
    out: dict[str, Answer] = {}
    for qid, value in session.answers.items():
        if qid not in asked:
            continue  # e.g. reasons given before going back and raising the overall answer
        if isinstance(value, tuple):
            if value:
                out[qid] = list(value)
        elif value:
            out[qid] = value
    return out


def spoken_text(question: Question, lang: str, note: str = "") -> str:
    """What the speaker button reads: the question, its answers, and the screen's note."""
    parts = [question.text.get(lang), i18n.t(lang, "question.answers_are")]
    if question.is_rating:
        parts += [f"{n}: {i18n.t(lang, f'scale.{n}')}" for n in range(1, 6)]
        if question.not_yet is not None:
            parts.append(question.not_yet.get(lang))
    else:
        parts += [f"{n}: {c.text.get(lang)}" for n, c in enumerate(question.choices, 1)]
        if question.max_choices is not None:
            parts.append(i18n.t(lang, "question.choose_up_to", n=question.max_choices))
    parts.append(i18n.t(lang, "question.skip"))
    if note:
        parts.append(note)
    return ". ".join(p.rstrip(".:?") for p in parts) + "."
