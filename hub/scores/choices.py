"""The documents of choice questions: reasons chosen after a low rating, and the method's three
aspects (perceptions, satisfaction, needs). Part of :class:`hub.scores.documents.Documents`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from hailong.questionnaire import Questionnaire
from hub.scores.aspects import (
    DENOMINATOR,
    NEEDS,
    integrity_prevalence,
    needs_ranking,
    perceptions,
)
from hub.scores.scores import reasons_ranking
from hub.store import integrity
from hub.store.queries import KIOSK, Channel, Reader, StageFilter

# Who may see the integrity figures and the sensitive reasons (they belong to the province, not
# to the head of the office concerned: docs/dashboard.md).
SEEN_BY = "admin"


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


    def aspects(self, office: str, first: date, last: date, channel: Channel = KIOSK,
                stage: StageFilter = None) -> dict[str, Any]:
        """The three aspects of the method: perceptions (sensitive reasons per 100 overall
        answers, and the integrity questions' prevalence), satisfaction (the factors and items
        of the scores document) and needs (the needs question ranked). See
        hub/scores/aspects.py for the denominators. Integrity answers are counted per office,
        day and channel only, so ``stage`` does not narrow them."""
        scores = self.scores(office, first, last, channel, stage)
        choice_rows = self.read.choice_sums(office, first, last, channel, stage)
        refs = {str(row["questionnaire"]) for row in choice_rows}
        refs |= {str(row["questionnaire"]) for row in
                 self.read.rating_sums(office, first, last, channel=channel, stage=stage)}
        questionnaires = self.questionnaires_of(office, sorted(refs))
        sensitive: dict[str, dict[str, str]] = {}
        reasons_of: dict[str, set[str]] = {}
        offered: dict[str, dict[str, str]] = {}
        max_choices: int | None = None
        replaced: dict[str, dict[str, str]] = {}
        asked: dict[str, str | None] = {}  # integrity question → the chip it replaces
        for questionnaire in questionnaires:
            for question in questionnaire.questions:
                if question.is_rating:
                    continue
                if integrity.is_sensitive(question.id, {question.id} if question.sensitive
                                          else ()):
                    asked.setdefault(question.id, question.replaces_choice)
                if question.replaces_choice:  # sipas@3: the chip became a question
                    replaced.setdefault(question.replaces_choice, {"vi": question.text.vi,
                                                                   "en": question.text.en})
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
        for chip, text in replaced.items():  # the chip's own words win where a version has it
            sensitive.setdefault(chip, text)
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
                              self.read.answering(office, first, last, NEEDS, channel, stage)
                              if offered or need_counts else 0, max_choices)
        needs["asked"] = bool(offered)
        needs["text"] = self._text(NEEDS, preferred=questionnaires[:1])
        for entry in needs["choices"]:
            entry["text"] = offered.get(entry["choice"])
        counts: dict[str, dict[str, int]] = defaultdict(dict)
        for row in self.read.integrity_sums(office, first, last, channel):
            counts[str(row["question"])][str(row["answer"])] = int(row["n"])
        seen["integrity"] = {"withheld": False, "seen_by": SEEN_BY, "questions": [
            {**entry, "text": self._text(entry["question"], preferred=questionnaires)}
            for entry in integrity_prevalence(counts, asked, reason_counts, self.min_n)]}
        return {"office": office, "from": first.isoformat(), "to": last.isoformat(),
                "channel": channel or "all", "stage": scores["stage"],
                "responses": scores["responses"], "min_n": self.min_n, "perceptions": seen,
                "satisfaction": {"questions": scores["questions"], "factors": scores["factors"]},
                "needs": needs}


def withhold_integrity(aspects: dict[str, Any]) -> dict[str, Any]:
    """An aspects document as the head of the office may see it: the sensitive reasons and the
    integrity figures withheld (``"withheld": true``), everything else kept."""
    seen = aspects["perceptions"]
    seen.update({"reasons": [], "withheld": True, "seen_by": SEEN_BY,
                 "integrity": {"withheld": True, "seen_by": SEEN_BY, "questions": []}})
    return aspects


def withhold_sensitive_reasons(reasons: dict[str, Any]) -> dict[str, Any]:
    """A reasons document as the head of the office may see it: without the sensitive reasons
    (harassment, unofficial payment), and saying so."""
    reasons["reasons"] = [r for r in reasons["reasons"] if not r["sensitive"]]
    reasons["sensitive_withheld"] = True
    reasons["seen_by"] = SEEN_BY
    return reasons
