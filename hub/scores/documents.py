"""The JSON documents of the hub's API, pages, reports and ``scores``/``alerts`` topics.

Each document is built in two steps: plain rows from ``hub/store/queries.py``, then the pure
functions of ``hub/scores/scores.py``, ``credibility.py`` and ``hub/store/seqgaps.py``. The
retained scores message, the live page (its first event too) and ``GET …/scores`` are the same
function, so they can never disagree: this is the one builder of scores.
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hailong.questionnaire import Questionnaire
from hub.scores.action_documents import ActionDocuments
from hub.scores.channels import compare_channels, ordered_channels
from hub.scores.choices import ChoiceDocuments
from hub.scores.credibility import Answered, find_bursts, skewed
from hub.scores.indexes import IndexDocuments
from hub.scores.kinds import questionnaires_by_kind
from hub.scores.method import sipas_index
from hub.scores.scores import (
    PERIODS,
    Period,
    breakdown,
    factor_scores,
    headline_n,
    office_scores,
    period_key,
    period_keys,
    question_dists,
    ranking,
    rating_score,
    response_rate,
)
from hub.scores.stage_documents import STAGE_KEYS, StageDocuments, stage_label
from hub.settings import CredibilitySection
from hub.store import tables as t
from hub.store.queries import KIOSK, Channel, Reader, StageFilter
from hub.store.seqgaps import missing_count

# A kiosk listing shows at most this many missing ranges; the count covers them all.
MAX_GAPS_SHOWN = 50


def rfc3339(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.isoformat()


@dataclass
class Documents(ChoiceDocuments, IndexDocuments, StageDocuments, ActionDocuments):
    """Builds documents for one hub: its reads, time zones, questionnaires and thresholds."""

    read: Reader
    timezone_of: Callable[[str], ZoneInfo]
    catalog: dict[str, Questionnaire]
    min_n: int
    credibility: CredibilitySection
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def factor_of(self, questionnaire: str, question: str) -> str | None:
        found = self.catalog.get(questionnaire)
        item = found.question(question) if found is not None else None
        return item.factor if item is not None and item.is_rating else None

    @functools.cached_property
    def by_kind(self) -> dict[str, Questionnaire]:
        """The questionnaire of each office kind (the catalog is fixed for the hub's life)."""
        return questionnaires_by_kind(self.catalog.values())

    def questions_of_kind(self, kind: str) -> list[str] | None:
        """The rating questions offices of a kind are asked, or None when no questionnaire of
        that kind is installed (then nothing can be checked)."""
        found = self.by_kind.get(kind)
        return found.rating_ids() if found is not None else None

    def today(self, office: str) -> date:
        return self.clock().astimezone(self.timezone_of(office)).date()

    def today_scores(self, office: str) -> dict[str, Any]:
        """Today's scores: the retained scores message, the live page and its every event."""
        day = self.today(office)
        return self.scores(office, day, day)

    # -- scores -----------------------------------------------------------------------------
    def scores(self, office: str, first: date, last: date, channel: Channel = KIOSK,
               stage: StageFilter = None) -> dict[str, Any]:
        """The foundation's scores document, with factors, flags and the response rate added.

        ``channel`` picks the ratings counted: the kiosks' (the default, and the scores topic's),
        one survey channel, or None for all channels pooled; ``channels`` always lists the
        responses of every channel in the range, so a reader sees what else there is. ``stage``
        picks one moment of the dossier (None: every response, with a stage or not)."""
        totals = self.read.response_totals(office, first, last, channel, stage)
        rows = self.read.rating_sums(office, first, last, channel=channel, stage=stage)
        document = office_scores(office, first, last, totals["n"], rows,
                                 factor_of=self.factor_of, min_n=self.min_n)
        # the mean of the five factors, beside (never instead of) the overall question
        document["index"] = sipas_index(document["factors"], self.min_n)
        row = self.read.office(office)
        document["registered"] = bool(row and row["registered"])
        document["complete"] = totals["complete"]
        document["flags"] = {"clock_skew": totals["skewed"], "no_transaction": totals["ungated"],
                             "unknown_questions": totals["unknown"]}
        # Dossiers are counted at the counter: only kiosk ratings answer to them.
        document["response_rate"] = (self.rate(office, first, last)
                                     if channel in (KIOSK, None) and stage is None else None)
        document["channel"] = channel or "all"
        document["stage"] = stage_label(stage)
        document["channels"] = self.read.channels(office, first, last)
        return document

    def channels(self, office: str, first: date, last: date) -> dict[str, Any]:
        """Kiosk and survey channels side by side on the same questions and factors."""
        rows = self.read.rating_sums(office, first, last, "channel", channel=None)
        comparison = compare_channels(rows, self.factor_of, min_n=self.min_n)
        responses = self.read.channels(office, first, last)
        for name in comparison["channels"]:
            responses.setdefault(name, 0)
        return {"office": office, "from": first.isoformat(), "to": last.isoformat(),
                "min_n": self.min_n, "responses": responses, **comparison}

    def rate(self, office: str, first: date, last: date) -> dict[str, Any] | None:
        known = self.read.dossiers(office, first, last)
        days = [row["day"] for row in known]
        return response_rate(self.read.responses_on(office, days),
                             sum(int(row["count"]) for row in known), len(days),
                             (last - first).days + 1)

    def breakdown(self, office: str, first: date, last: date, by: str,
                  channel: Channel = KIOSK, stage: StageFilter = None) -> dict[str, Any]:
        """The scores document plus ``by`` and one cell per counter, officer, question, period,
        channel or stage (``by=channel`` splits every channel whatever ``channel`` says, and
        ``by=stage`` every stage)."""
        document = self.scores(office, first, last, None if by == "channel" else channel,
                               None if by == "stage" else stage)
        document["by"] = by
        if by == "question":
            document["cells"] = self._question_cells(office, first, last, channel, stage)
            return document
        if by == "stage":
            cells = breakdown(STAGE_KEYS,
                              self.read.response_sums(office, first, last, "stage", channel),
                              self.read.rating_sums(office, first, last, "stage", channel),
                              self.min_n, lambda row: stage_label(str(row["stage"])))
        elif by == "channel":
            cells = breakdown(ordered_channels(document["channels"]),
                              self.read.response_sums(office, first, last, "channel", None),
                              self.read.rating_sums(office, first, last, "channel", None),
                              self.min_n, lambda row: str(row["channel"]))
        elif by in PERIODS:
            period: Period = by  # type: ignore[assignment]
            cells = breakdown(period_keys(first, last, period),
                              self.read.response_sums(office, first, last, "day", channel,
                                                      stage),
                              self.read.rating_sums(office, first, last, "day", channel, stage),
                              self.min_n, lambda row: period_key(row["day"], period))
            for cell in cells:
                cell.update(self._period_bounds(cell["key"], period, first, last))
        else:
            table, key = (t.counters, "label") if by == "counter" else (t.officers, "code")
            names = self.read.names(table, key, office)
            cells = breakdown(sorted(names),
                              self.read.response_sums(office, first, last, by, channel, stage),
                              self.read.rating_sums(office, first, last, by, channel, stage),
                              self.min_n, lambda row: str(row[by]))
            for cell in cells:
                cell["name"] = names.get(cell["key"], "")
                cell["registered"] = cell["key"] in names
                if by == "officer" and cell["key"] == t.NO_OFFICER:
                    cell["key"] = None  # no officer on duty (and every survey answer)
        document["cells"] = cells
        return document

    @staticmethod
    def _period_bounds(key: str, period: Period, first: date, last: date) -> dict[str, str]:
        if period == "day":
            start = end = date.fromisoformat(key)
        elif period == "week":
            start = date.fromisoformat(key)
            end = start + timedelta(days=6)
        else:
            start = date.fromisoformat(key + "-01")
            end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        return {"from": max(start, first).isoformat(), "to": min(end, last).isoformat()}

    def _question_cells(self, office: str, first: date, last: date, channel: Channel,
                        stage: StageFilter = None) -> list[dict[str, Any]]:
        rows = self.read.rating_sums(office, first, last, channel=channel, stage=stage)
        own = self.questionnaires_of(office)[:1]
        factors = factor_scores(rows, self.factor_of)
        factor_by_item = {item: f for f, score in factors.items() for item in score["items"]}
        cells = []
        for question, dist in question_dists(rows).items():
            score = rating_score(dist)
            cells.append({"key": question, "type": "rating",
                          "factor": factor_by_item.get(question),
                          "text": self._text(question, preferred=own),
                          **score, "too_few": score["n"] < self.min_n})
        choices: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for row in self.read.choice_sums(office, first, last, channel, stage):
            choices[row["question"]][row["choice"]] += int(row["n"])
        for question, counts in sorted(choices.items()):
            cells.append({"key": question, "type": "choice",
                          "text": self._text(question, preferred=own),
                          "counts": dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))})
        return cells

    def text_of(self, question: str, office: str | None = None,
                preferred: Iterable[Questionnaire] = ()) -> dict[str, str] | None:
        """A question's wording (vi, en): the questionnaire of the office's kind first (or
        ``preferred``, when the caller already has them), then any the hub knows (a hospital's
        ``overall`` reads as the hospital form words it)."""
        return self._text(question, office, preferred)

    def _text(self, question: str, office: str | None = None,
              preferred: Iterable[Questionnaire] = ()) -> dict[str, str] | None:
        first = list(preferred) or (self.questionnaires_of(office)[:1] if office else [])
        for questionnaire in [*first, *reversed(list(self.catalog.values()))]:
            item = questionnaire.question(question)
            if item is not None:
                return {"vi": item.text.vi, "en": item.text.en}
        return None

    # -- wording ----------------------------------------------------------------------------
    def questionnaires_of(self, office: str, refs: Iterable[str] = ()) -> list[Questionnaire]:
        """The questionnaires an office's figures are read with: its kind's own first (so its
        wording wins), then every other one its rows name."""
        row = self.read.office(office)
        own = self.by_kind.get(row["kind"] if row else "admin")
        found = [own] if own is not None else []
        for ref in refs:
            questionnaire = self.catalog.get(ref)
            if questionnaire is not None and questionnaire not in found:
                found.append(questionnaire)
        return found

    # -- credibility ------------------------------------------------------------------------
    def flags(self, office: str, first: date, last: date) -> dict[str, Any]:
        """Everything that should make a reader of these scores careful, with counts."""
        totals = self.read.response_totals(office, first, last)
        window = timedelta(seconds=self.credibility.burst_window)
        bursts = find_bursts((Answered(r["kiosk"], r["submitted_at"], r["answers"])
                              for r in self.read.answered(office, first, last)),
                             self.credibility.burst_count, window)
        kiosks = [{"kiosk": k["kiosk"], "clock_skew": k["clock_skew"]}
                  for k in self.read.kiosks(office)
                  if skewed(k["clock_skew"], self.credibility.skew_seconds)]
        officers = []
        for cell in self.breakdown(office, first, last, "officer")["cells"]:
            if cell["key"] is not None and cell["too_few"]:
                officers.append({"officer": cell["key"], "name": cell["name"],
                                 "n": headline_n(cell["questions"])})
        return {
            "office": office, "from": first.isoformat(), "to": last.isoformat(),
            "responses": totals["n"], "min_n": self.min_n,
            "bursts": [{"kiosk": b.kiosk, "from": rfc3339(b.first), "to": rfc3339(b.last),
                        "count": b.count, "answers": json.loads(b.answers)} for b in bursts],
            "burst_rule": {"count": self.credibility.burst_count,
                           "window_seconds": self.credibility.burst_window},
            "in_bursts": sum(b.count for b in bursts),
            "no_transaction": totals["ungated"],
            "clock_skew": {"responses": totals["skewed"], "kiosks": kiosks,
                           "limit_seconds": self.credibility.skew_seconds},
            "unknown_questions": totals["unknown"],
            "small_officer_cells": officers,
        }

    # -- fleet ------------------------------------------------------------------------------
    def kiosks(self, office: str) -> dict[str, Any]:
        gaps: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for row in self.read.gaps(office):
            gaps[row["kiosk"]].append((row["first"], row["last"]))
        items = []
        for k in self.read.kiosks(office):
            ranges = gaps.get(k["kiosk"], [])
            items.append({
                "kiosk": k["kiosk"], "registered": bool(k["registered"]), "counter": k["counter"],
                "state": k["state"], "since": rfc3339(k["state_since"]),
                "first_seen": rfc3339(k["first_seen"]), "last_seen": rfc3339(k["last_seen"]),
                "version": k["version"], "questionnaire": k["questionnaire"],
                "outbox": k["outbox"], "outbox_oldest": rfc3339(k["outbox_oldest"]),
                "scanner": k["scanner"] or None, "clock_skew": k["clock_skew"],
                "clock_skewed": skewed(k["clock_skew"], self.credibility.skew_seconds),
                "received": k["received"], "max_seq": k["max_seq"],
                "last_created": k["status_seq"],
                "missing": missing_count(ranges, k["max_seq"], k["status_seq"]),
                "gaps": [list(g) for g in ranges[:MAX_GAPS_SHOWN]],
                "gaps_truncated": len(ranges) > MAX_GAPS_SHOWN,
                "rejected": k["rejected"],
                "storage": k["storage"],
                "config": {"version": k["config_version"], "state": k["config_state"],
                           "error": k["config_error"]} if k["config_version"] or k["config_state"]
                else None,
            })
        return {"office": office, "now": rfc3339(self.clock()), "kiosks": items}

    # -- alerts -----------------------------------------------------------------------------
    def alerts(self, office: str, state: str, limit: int, **filters: Any) -> dict[str, Any]:
        """An office's alerts with their history (``filters``: counter, kind, since, until)."""
        rows = self.read.alerts(office, state, limit, **filters)
        events = self.read.alert_events(row["id"] for row in rows)
        return {"office": office, "alerts": [alert_document(row, events[row["id"]])
                                             for row in rows]}

    def alert(self, alert_id: int) -> dict[str, Any]:
        return alert_document(self.read.alert(alert_id),
                              self.read.alert_events([alert_id])[alert_id])

    # -- province ---------------------------------------------------------------------------
    def ranking(self, province: str, first: date, last: date, question: str, min_n: int,
                sort: str, kind: str | None = None, channel: Channel = KIOSK) -> dict[str, Any]:
        """Offices of a province ranked on one question; with ``kind`` only offices of that
        kind (like with like: see docs/api.md)."""
        offices = {o["id"]: o for o in self.read.offices(province)
                   if kind is None or o["kind"] == kind}
        dists = {row["office"]: [int(row[f"d{i}"]) for i in range(1, 6)]
                 for row in self.read.province_dists(province, question, first, last, channel)
                 if row["office"] in offices}
        result = ranking(((office, dists.get(office, [0] * 5)) for office in offices), min_n,
                         sort)  # type: ignore[arg-type]
        for entry in (*result["ranked"], *result["too_few"]):
            office = offices[entry.pop("key")]
            entry["office"] = office["id"]
            entry["name"] = office["name"]
            entry["registered"] = bool(office["registered"])
        document = {"province": province, "from": first.isoformat(), "to": last.isoformat(),
                    "question": question, "min_n": min_n, "sort": sort, **result}
        if kind is not None:
            document["kind"] = kind
        document["channel"] = channel or "all"
        return document


def withhold_small_officers(document: dict[str, Any]) -> dict[str, Any]:
    """An officer breakdown as a head may see it: an officer's cell below the minimum n keeps
    its name and ``too_few`` but loses its figures, which could point at single citizens."""
    for cell in document.get("cells", ()):
        if cell["too_few"] and cell["key"] is not None:
            cell.update({"responses": None, "questions": {}, "withheld": True})
    return document


def alert_document(row: dict[str, Any], events: Sequence[dict[str, Any]] = ()
                   ) -> dict[str, Any]:
    """An alert as the API and the ``alerts`` topic show it; ``events`` (its history, oldest
    first) give who acknowledged and closed it."""
    history = [{"action": e["action"], "by": e["actor"], "by_kind": e["actor_kind"],
                "note": e["note"], "at": rfc3339(e["at"])} for e in events]
    acks = [e for e in history if e["action"] == "ack"]
    closes = [e for e in history if e["action"] == "close"]
    return {"v": 1, "id": row["id"], "office": row["office"], "counter": row["counter"],
            "question": row["question"], "opened_at": rfc3339(row["opened_at"]),
            "window": {"from": rfc3339(row["window_from"]), "to": rfc3339(row["window_to"])},
            "n": row["n"], "low": row["low"], "share": row["low"] / row["n"] if row["n"] else None,
            "state": "closed" if row["closed_at"] else "open",
            "closed_at": rfc3339(row["closed_at"]), "note": row["note"],
            "acknowledged": row.get("acked_at") is not None,
            "acknowledged_at": rfc3339(row.get("acked_at")),
            "acknowledged_by": acks[0]["by"] if acks else None,
            "closed_by": closes[-1]["by"] if closes else None,
            "events": history}
