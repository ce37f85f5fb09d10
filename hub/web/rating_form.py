"""The phone questionnaire as a pure state machine: which question a screen asks, what a tap
does, and the response it ends in. No web, no clock, no store: the pages (rating_pages.py) carry
the state in a signed hidden field and pass the time in.

It follows the kiosk's rules (kiosk/path.py) on the same questionnaire file: the questions in
file order, a ``show_if`` condition on an earlier rating, a question tied to a stage asked at
that stage or when the stage is not known, "not received yet" counted as skipped, "Send" ending
at any screen with the answers given. A phone screen asks one question at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from hailong.questionnaire import Question, Questionnaire

Answer = int | list[str]
NOT_YET = "not-yet"  # the rating form's value of a question's "not received yet" answer


@dataclass(frozen=True)
class FormState:
    """What the hidden field carries between screens."""

    response_id: str
    started_at: str  # RFC 3339, the hub's clock when the first screen was served
    lang: str = "vi"
    current: str = ""  # the question on screen ("" before the first)
    answers: dict[str, Answer] = field(default_factory=dict)

    def sealed(self) -> dict[str, Any]:
        return {"r": self.response_id, "t": self.started_at, "l": self.lang, "q": self.current,
                "a": self.answers}

    @classmethod
    def unsealed(cls, document: Any) -> FormState:
        """From :meth:`sealed`'s document (already checked by its signature)."""
        answers = document["a"]
        if not isinstance(answers, dict):
            raise ValueError("answers")
        return cls(str(document["r"]), str(document["t"]), "en" if document["l"] == "en" else "vi",
                   str(document["q"]), answers)


@dataclass(frozen=True)
class Step:
    """A tap's outcome: the next screen's state, or the end (``finished``) and whether the
    citizen reached it or sent early (``complete`` is True for both, as on the kiosk), and a
    problem to show on the same screen (e.g. too many choices)."""

    state: FormState
    finished: bool = False
    problem: str | None = None


def shows(question: Question, answers: dict[str, Answer], stage: str | None) -> bool:
    if question.stage is not None and stage not in (None, question.stage):
        return False
    cond = question.show_if
    return cond is None or cond.holds(answers)


def path(questionnaire: Questionnaire, answers: dict[str, Answer], stage: str | None
         ) -> list[Question]:
    """The questions this citizen is asked, in order, given the answers so far."""
    return [q for q in questionnaire.enabled_questions if shows(q, answers, stage)]


def current_question(questionnaire: Questionnaire, state: FormState, stage: str | None
                     ) -> Question:
    asked = path(questionnaire, state.answers, stage)
    return next((q for q in asked if q.id == state.current), asked[0])


def progress(questionnaire: Questionnaire, state: FormState, stage: str | None
             ) -> tuple[int, int]:
    asked = path(questionnaire, state.answers, stage)
    here = current_question(questionnaire, state, stage)
    return asked.index(here) + 1, len(asked)


def _neighbour(questionnaire: Questionnaire, answers: dict[str, Answer], stage: str | None,
               here: str, forward: bool) -> str | None:
    ids = [q.id for q in path(questionnaire, answers, stage)]
    index = ids.index(here) if here in ids else 0
    there = index + (1 if forward else -1)
    return ids[there] if 0 <= there < len(ids) else None


def parse_answer(question: Question, values: list[str]) -> Answer | str | None:
    """The answer a form's values give ``question``: an answer, None (skipped / not yet), or a
    problem (str) when the values cannot be that question's answer."""
    values = [v for v in values if v]
    if question.is_rating:
        if not values or values[0] == NOT_YET:
            return None
        if values[0] in ("1", "2", "3", "4", "5"):
            return int(values[0])
        return "choose"
    offered = [c.id for c in question.choices]
    chosen = [v for v in offered if v in values]  # file order, each once
    if len(chosen) != len(set(values)):
        return "choose"
    if question.type in ("single", "yesno") and len(chosen) > 1:
        return "choose"
    if question.too_many(len(chosen)):
        return "too_many"
    return chosen or None


def apply(questionnaire: Questionnaire, state: FormState, stage: str | None, action: str,
          values: list[str]) -> Step:
    """One tap: ``answer`` (with the form's values), ``skip``, ``back``, ``send`` or ``lang``."""
    here = current_question(questionnaire, state, stage)
    state = replace(state, current=here.id)
    if action == "lang":
        return Step(replace(state, lang="en" if state.lang == "vi" else "vi"))
    if action == "back":
        previous = _neighbour(questionnaire, state.answers, stage, here.id, False)
        return Step(replace(state, current=previous or here.id))
    answers = dict(state.answers)
    if action == "answer":
        answer = parse_answer(here, values)
        if isinstance(answer, str):
            return Step(state, problem=answer)
        if answer is None:
            answers.pop(here.id, None)
        else:
            answers[here.id] = answer
    elif action == "skip":
        answers.pop(here.id, None)
    elif action != "send":
        return Step(state, problem="choose")
    state = replace(state, answers=answers)
    if action == "send":
        return Step(state, finished=True)
    following = _neighbour(questionnaire, answers, stage, here.id, True)
    if following is None:
        return Step(state, finished=True)
    return Step(replace(state, current=following))


def wire_answers(questionnaire: Questionnaire, state: FormState, stage: str | None
                 ) -> dict[str, Answer]:
    """The answers to send: only questions still asked (e.g. no reasons after the overall
    answer was raised), nothing empty."""
    asked = {q.id for q in path(questionnaire, state.answers, stage)}
    return {qid: value for qid, value in state.answers.items() if qid in asked and value}


def response_document(questionnaire: Questionnaire, state: FormState, *, office: str,
                      counter: str, channel: str, stage: str | None, receipt_h: str | None,
                      submitted_at: str) -> dict[str, Any]:
    """The contract's Response (config/schema/response.schema.json) for this web rating."""
    document: dict[str, Any] = {
        "v": 1, "id": state.response_id, "seq": 1, "office": office, "kiosk": channel,
        "counter": counter, "officer": None,
        "receipt": {"h": receipt_h, "unit": None, "date": None} if receipt_h else None,
        "trigger": "web", "questionnaire": questionnaire.ref, "lang": state.lang,
        "started_at": state.started_at, "submitted_at": submitted_at, "complete": True,
        "answers": wire_answers(questionnaire, state, stage)}
    if stage is not None:
        document["stage"] = stage
    return document
