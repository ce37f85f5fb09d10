"""The actions documents (``GET …/actions``) and each action's factor score before and after its
due date. Part of :class:`hub.scores.documents.Documents`: rows from the store, figures from
the pure functions of hub/scores/actions.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from hailong.questionnaire import Questionnaire
from hub.scores.actions import (
    FACTOR_KEYS,
    before_after,
    problem_factor,
    score_windows,
)
from hub.store.queries import Reader

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment).isoformat()


def action_document(row: Mapping[str, Any]) -> dict[str, Any]:
    """One action as the API gives it (docs/api.md)."""
    return {"id": int(row["id"]), "office": row["office"], "problem_kind": row["problem_kind"],
            "problem_ref": row["problem_ref"], "problem": row["problem"],
            "measure": row["measure"], "responsible": row["responsible"],
            "due": row["due"].isoformat(), "status": row["status"], "result": row["result"],
            "created_at": _iso(row["created_at"]), "created_by": row["created_by"],
            "updated_at": _iso(row["updated_at"]), "updated_by": row["updated_by"],
            "done_at": _iso(row["done_at"])}


class ActionDocuments:
    """What the actions pages, API and report read."""

    read: Reader
    min_n: int

    if TYPE_CHECKING:  # provided by Documents
        timezone_of: Callable[[str], ZoneInfo]
        factor_of: Callable[[str, str], str | None]
        questionnaires_of: Callable[..., list[Questionnaire]]
        today: Callable[[str], date]

    def reasons_of(self, office: str) -> dict[str, Any]:
        """The reasons an action may be about: the office's questionnaire's reason chips that
        name a factor (never the sensitive ones, which are not the head's to see)."""
        found: dict[str, Any] = {}
        for questionnaire in self.questionnaires_of(office):
            for question in questionnaire.questions:
                for choice in question.choices:
                    if choice.factor and not choice.sensitive and question.type == "multi":
                        found.setdefault(choice.id, choice)
        return found

    def action_refs(self, office: str) -> dict[str, list[str]]:
        """Per problem kind, the ids an action of this office may point at."""
        alerts = self.read.alerts(office, "all", 1000)
        return {"reason": list(self.reasons_of(office)), "factor": list(FACTOR_KEYS),
                "alert": [str(a["id"]) for a in alerts]}

    def actions(self, office: str) -> dict[str, Any]:
        return {"office": office,
                "actions": [action_document(r) for r in self.read.actions(office)]}

    def problem_names(self, office: str, lang: str) -> dict[str, dict[str, str]]:
        """Per problem kind, what each id reads as: a reason's wording, a factor's name (the
        overall question's wording for "overall"), an alert's number."""
        reasons = {k: c.text.get(lang) for k, c in self.reasons_of(office).items()}
        factors: dict[str, str] = {}
        for questionnaire in self.questionnaires_of(office):
            overall = questionnaire.question("overall")
            if overall is not None:
                factors.setdefault("overall", overall.text.get(lang))
            for key, text in questionnaire.factors.items():
                factors.setdefault(key, text.get(lang))
        alerts = {str(a["id"]): f"#{a['id']}" for a in self.read.alerts(office, "all", 1000)}
        return {"reason": reasons, "factor": factors, "alert": alerts}

    def named_actions(self, office: str, lang: str) -> list[dict[str, Any]]:
        """The plan with each problem's name, as the pages and the export show it."""
        names = self.problem_names(office, lang)
        return [{**action_document(r),
                 "problem_name": names.get(r["problem_kind"], {}).get(r["problem_ref"], "")}
                for r in self.read.actions(office)]

    def action_factor(self, office: str, row: Mapping[str, Any]) -> str | None:
        reasons = {k: c.factor for k, c in self.reasons_of(office).items()}
        alerts: dict[str, str | None] = {}
        if row["problem_kind"] == "alert" and str(row["problem_ref"]).isdigit():
            watched = self.read.alerts(office, "all", 1000)
            alerts = {str(a["id"]): ("overall" if a["question"] == "overall"
                                     else self._question_factor(office, str(a["question"])))
                      for a in watched}
        return problem_factor(str(row["problem_kind"]), str(row["problem_ref"]), reasons, alerts)

    def _question_factor(self, office: str, question: str) -> str | None:
        for questionnaire in self.questionnaires_of(office):
            factor = self.factor_of(questionnaire.ref, question)
            if factor is not None:
                return factor
        return None

    def action_scores(self, office: str, row: Mapping[str, Any]) -> dict[str, Any]:
        """The linked factor's score in the window before the due date and the one after."""
        factor = self.action_factor(office, row)
        before, after = score_windows(row["due"], self.today(office))
        before_rows = self.read.rating_sums(office, *before)
        after_rows = self.read.rating_sums(office, *after) if after else None
        return {**before_after(before_rows, after_rows, factor, self.factor_of, self.min_n),
                "before_days": [d.isoformat() for d in before],
                "after_days": [d.isoformat() for d in after] if after else None}

    def period_actions(self, office: str, first: date, last: date, lang: str = "vi"
                       ) -> list[dict[str, Any]]:
        """The actions of a period (due in it, or done in it), each with its scores."""
        zone = self.timezone_of(office)
        names = self.problem_names(office, lang)
        found = []
        for row in self.read.actions(office):
            done = row["done_at"]
            done_day = (done.replace(tzinfo=UTC) if done.tzinfo is None else done
                        ).astimezone(zone).date() if done is not None else None
            if first <= row["due"] <= last or (done_day is not None and first <= done_day <= last):
                found.append({**action_document(row), "scores": self.action_scores(office, row),
                              "problem_name": names.get(row["problem_kind"], {})
                              .get(row["problem_ref"], "")})
        return found
