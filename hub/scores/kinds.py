"""The questionnaire each office kind is read with: by the scores' wording, the pages' labels
and the survey import's checks alike."""

from __future__ import annotations

import re
from collections.abc import Iterable

from hailong.questionnaire import Questionnaire


def questionnaires_by_kind(catalog: Iterable[Questionnaire]) -> dict[str, Questionnaire]:
    """The questionnaire surveys of each office kind are read against: a province's own form
    before a shipped example, then the kind's ``sipas`` questionnaire if there is one, else its
    first by id; of several versions, the newest."""
    chosen: dict[str, Questionnaire] = {}

    def rank(q: Questionnaire) -> tuple[bool, bool, str, tuple[int, ...], str]:
        digits = tuple(int(p) for p in re.findall(r"\d+", q.version))
        return (q.example, q.id != "sipas", q.id, tuple(-d for d in digits), q.version)

    for questionnaire in sorted(catalog, key=rank):
        chosen.setdefault(questionnaire.kind, questionnaire)
    return chosen
