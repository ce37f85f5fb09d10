"""The documents of choice questions: reasons chosen after a low rating, and the method's three
aspects (perceptions, satisfaction, needs). Part of :class:`hub.scores.documents.Documents`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from hailong.questionnaire import Questionnaire
from hub.scores.aspects import DENOMINATOR, NEEDS, needs_ranking, perceptions
from hub.scores.scores import reasons_ranking
from hub.store.queries import KIOSK, Channel, Reader


class ChoiceDocuments:
    """Reasons and aspects, read from the choice rollups with the questionnaires' wording."""

    read: Reader
    catalog: dict[str, Questionnaire]
    min_n: int

    if TYPE_CHECKING:  # provided by Documents
        scores: Callable[..., dict[str, Any]]
        questionnaires_of: Callable[..., list[Questionnaire]]
        _text: Callable[..., dict[str, str] | None]

    # -- reasons ----------------------------------------------------------------------------
    def reasons(self, office: str, first: date, last: date) -> dict[str, Any]:
        """Reasons chosen after a low rating, ranked, with the share of low ratings choosing each.

        A reasons question is a choice question shown only after a low answer (``show_if``);
        its low ratings are the answers of that condition question within the shown range.
        """
        rating_rows = self.read.rating_sums(office, first, last)
        low = 0
        counted: set[tuple[str, str]] = set()
        reasons_of: dict[str, set[str]] = {}
        info: dict[str, dict[str, Any]] = {}
        for ref, questionnaire in self.catalog.items():
            for question in questionnaire.questions:
                cond = question.show_if
                if question.is_rating or cond is None:
                    continue
                reasons_of.setdefault(ref, set()).add(question.id)
                for choice in question.choices:
                    info.setdefault(choice.id, {"factor": choice.factor,
                                                "sensitive": choice.sensitive,
                                                "text": {"vi": choice.text.vi, "en": choice.text.en}})
                for row in rating_rows:
                    if row["questionnaire"] == ref and row["question"] == cond.question \
                            and (ref, cond.question) not in counted:
                        low += sum(int(row[f"d{i}"]) for i in range(cond.min, cond.max + 1))
                counted.add((ref, cond.question))
        counts: dict[str, int] = defaultdict(int)
        for row in self.read.choice_sums(office, first, last):
            if row["question"] in reasons_of.get(row["questionnaire"], ()):
                counts[row["choice"]] += int(row["n"])
        ranked = reasons_ranking(counts, low)
        for entry in ranked:
            entry.update(info.get(entry["reason"], {"factor": None, "sensitive": False,
                                                    "text": None}))
        return {"office": office, "from": first.isoformat(), "to": last.isoformat(),
                "low_ratings": low, "reasons": ranked}


    def aspects(self, office: str, first: date, last: date, channel: Channel = KIOSK
                ) -> dict[str, Any]:
        """The three aspects of the method: perceptions (sensitive reasons per 100 overall
        answers), satisfaction (the factors and items of the scores document) and needs (the
        needs question ranked). See hub/scores/aspects.py for the denominators."""
        scores = self.scores(office, first, last, channel)
        choice_rows = self.read.choice_sums(office, first, last, channel)
        refs = {str(row["questionnaire"]) for row in choice_rows}
        refs |= {str(row["questionnaire"]) for row in
                 self.read.rating_sums(office, first, last, channel=channel)}
        questionnaires = self.questionnaires_of(office, sorted(refs))
        sensitive: dict[str, dict[str, str]] = {}
        reasons_of: dict[str, set[str]] = {}
        offered: dict[str, dict[str, str]] = {}
        max_choices: int | None = None
        for questionnaire in questionnaires:
            for question in questionnaire.questions:
                if question.is_rating:
                    continue
                if question.show_if is not None:
                    reasons_of.setdefault(questionnaire.ref, set()).add(question.id)
                    for choice in question.choices:
                        if choice.sensitive:
                            sensitive.setdefault(choice.id, {"vi": choice.text.vi,
                                                             "en": choice.text.en})
                elif question.id == NEEDS:
                    max_choices = max_choices or question.max_choices
                    for choice in question.choices:
                        offered.setdefault(choice.id, {"vi": choice.text.vi,
                                                       "en": choice.text.en})
        reason_counts: dict[str, int] = defaultdict(int)
        need_counts: dict[str, int] = defaultdict(int)
        for row in choice_rows:
            if row["question"] in reasons_of.get(row["questionnaire"], ()):
                reason_counts[row["choice"]] += int(row["n"])
            elif row["question"] == NEEDS:
                need_counts[row["choice"]] += int(row["n"])
        ratings = int(scores["questions"].get(DENOMINATOR, {}).get("n", 0))
        seen = perceptions(reason_counts, sensitive, ratings)
        for entry in seen["reasons"]:
            entry["text"] = sensitive.get(entry["reason"])
        needs = needs_ranking(need_counts, offered,
                              self.read.answering(office, first, last, NEEDS, channel)
                              if offered or need_counts else 0, max_choices)
        needs["asked"] = bool(offered)
        needs["text"] = self._text(NEEDS, preferred=questionnaires[:1])
        for entry in needs["choices"]:
            entry["text"] = offered.get(entry["choice"])
        return {"office": office, "from": first.isoformat(), "to": last.isoformat(),
                "channel": channel or "all", "responses": scores["responses"],
                "min_n": self.min_n, "perceptions": seen,
                "satisfaction": {"questions": scores["questions"], "factors": scores["factors"]},
                "needs": needs}
