"""Read-only queries of the hub's tables: plain rows for the API, live scores and alerts.

Scores read the daily rollups, never the rows, so a 90-day range of a busy office is a few
thousand small rows whatever the number of responses; the few reads of rows (bursts, the alert
window) are bounded by an office and a day range.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from hub.store import tables as t
from hub.store.alert_reads import AlertReads

_DIST = ("d1", "d2", "d3", "d4", "d5")
Dimension = str  # "counter", "officer", "day", "channel", "stage" or "" (the whole office)
# Which channels a read covers: one channel ("kiosk", "phone" …) or None for all of them.
Channel = str | None
KIOSK = t.KIOSK_CHANNEL
# Which stages a read covers: "receive", "result", t.NO_STAGE (responses that say none) or None
# for all of them (the default: a reader who does not ask about stages sees every response).
StageFilter = str | None


def _sums(table: Any, names: Sequence[str]) -> list[Any]:
    return list(_sum_columns(table, tuple(names)))


@functools.cache
def _sum_columns(table: Any, names: tuple[str, ...]) -> tuple[Any, ...]:
    # Built once per table and columns: making these expressions cost ~3 ms per scores document.
    return tuple(func.coalesce(func.sum(table.c[name]), 0).label(name) for name in names)


def _cells(table: Any, office: str, first: date, last: date, channel: Channel,
           stage: StageFilter = None) -> list[Any]:
    """The conditions of an office's rollup cells over a range of days, in one or all channels
    and stages."""
    conditions = [table.c.office == office, table.c.day >= first, table.c.day <= last]
    if channel is not None:
        conditions.append(table.c.channel == channel)
    if stage is not None:
        conditions.append(table.c.stage == stage)
    return conditions


class Reader(AlertReads):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- registry -------------------------------------------------------------------------
    def office_ids(self) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(t.offices.c.id).order_by(t.offices.c.id)).scalars())

    def offices(self, province: str | None = None) -> list[dict[str, Any]]:
        query = select(t.offices).order_by(t.offices.c.id)
        if province is not None:
            query = query.where(t.offices.c.province == province)
        return self._all(query)

    def office(self, office_id: str) -> dict[str, Any] | None:
        rows = self._all(select(t.offices).where(t.offices.c.id == office_id))
        return rows[0] if rows else None

    def provinces(self) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(t.offices.c.province).distinct()
                                     .where(t.offices.c.province != "")).scalars())

    def names(self, table: Any, key: str, office: str) -> dict[str, str]:
        """Registered names of an office's counters or officers."""
        rows = self._all(select(table.c[key], table.c.name).where(table.c.office == office))
        return {row[key]: row["name"] for row in rows}

    # -- rollups --------------------------------------------------------------------------
    def response_totals(self, office: str, first: date, last: date,
                        channel: Channel = KIOSK, stage: StageFilter = None) -> dict[str, int]:
        r = t.rollup_responses
        rows = self._all(select(*_sums(r, ("n", "complete", "skewed", "ungated", "unknown")))
                         .where(*_cells(r, office, first, last, channel, stage)))
        return {k: int(v) for k, v in rows[0].items()}

    def rating_sums(self, office: str, first: date, last: date,
                    by: Dimension = "", channel: Channel = KIOSK, stage: StageFilter = None
                    ) -> list[dict[str, Any]]:
        """Per (dimension,) questionnaire and question: the distribution summed over the range."""
        r = t.rollup_ratings
        group = [r.c.questionnaire, r.c.question]
        if by:
            group.insert(0, r.c[by])
        return self._all(select(*group, *_sums(r, ("n", *_DIST)))
                         .where(*_cells(r, office, first, last, channel, stage))
                         .group_by(*group))

    def response_sums(self, office: str, first: date, last: date, by: Dimension,
                      channel: Channel = KIOSK, stage: StageFilter = None
                      ) -> list[dict[str, Any]]:
        r = t.rollup_responses
        return self._all(select(r.c[by], *_sums(r, ("n",)))
                         .where(*_cells(r, office, first, last, channel, stage))
                         .group_by(r.c[by]))

    def choice_sums(self, office: str, first: date, last: date,
                    channel: Channel = KIOSK, stage: StageFilter = None) -> list[dict[str, Any]]:
        c = t.rollup_choices
        group = [c.c.questionnaire, c.c.question, c.c.choice]
        return self._all(select(*group, *_sums(c, ("n",)))
                         .where(*_cells(c, office, first, last, channel, stage))
                         .group_by(*group))

    def province_dists(self, province: str, question: str, first: date, last: date,
                       channel: Channel = KIOSK) -> list[dict[str, Any]]:
        """Per office of the province: the distribution of one question over the range."""
        r, o = t.rollup_ratings, t.offices
        conditions = [o.c.province == province, r.c.question == question, r.c.day >= first,
                      r.c.day <= last]
        if channel is not None:
            conditions.append(r.c.channel == channel)
        return self._all(select(r.c.office, *_sums(r, _DIST))
                         .join(o, o.c.id == r.c.office).where(*conditions)
                         .group_by(r.c.office))

    def dossiers(self, office: str, first: date, last: date) -> list[dict[str, Any]]:
        d = t.dossier_counts
        return self._all(select(d.c.day, d.c.count).where(
            d.c.office == office, d.c.day >= first, d.c.day <= last).order_by(d.c.day))

    def responses_on(self, office: str, days: Sequence[date], channel: Channel = KIOSK) -> int:
        r = t.rollup_responses
        if not days:
            return 0
        conditions = [r.c.office == office, r.c.day.in_(days)]
        if channel is not None:
            conditions.append(r.c.channel == channel)
        rows = self._all(select(*_sums(r, ("n",))).where(*conditions))
        return int(rows[0]["n"])

    def channels(self, office: str, first: date, last: date) -> dict[str, int]:
        """Responses per channel over the range (kiosk first, then the others by name)."""
        r = t.rollup_responses
        rows = self._all(select(r.c.channel, *_sums(r, ("n",)))
                         .where(*_cells(r, office, first, last, None)).group_by(r.c.channel))
        counts = {row["channel"]: int(row["n"]) for row in rows if int(row["n"])}
        return dict(sorted(counts.items(), key=lambda kv: (kv[0] != KIOSK, kv[0])))

    def survey_imports(self, limit: int = 200) -> list[dict[str, Any]]:
        si = t.survey_imports
        return self._all(select(si).order_by(si.c.id.desc()).limit(limit))

    def survey_import(self, import_id: int) -> dict[str, Any] | None:
        rows = self._all(select(t.survey_imports).where(t.survey_imports.c.id == import_id))
        return rows[0] if rows else None

    # -- rows -----------------------------------------------------------------------------
    def answered(self, office: str, first: date, last: date) -> list[dict[str, Any]]:
        """Kiosk, time and answers of each response in the range (burst detection): the
        kiosks' and the web channel's, whose ``kiosk`` is ``web`` or ``web-poster``."""
        r = t.responses
        return self._all(select(r.c.kiosk, r.c.submitted_at, r.c.answers)
                         .where(r.c.office == office, r.c.day >= first, r.c.day <= last,
                                r.c.channel.in_((KIOSK, *t.WEB_CHANNELS))))

    def receipt_stages(self, receipt_h: str) -> set[str | None]:
        """The stages at which a dossier (its receipt hash) is rated, from any channel; None
        for a rating that named no stage."""
        r = t.responses
        with self.engine.connect() as conn:
            return set(conn.execute(select(r.c.stage).where(r.c.receipt_h == receipt_h)
                                    .distinct()).scalars())

    def response_stored(self, response_id: str) -> bool:
        r = t.responses
        with self.engine.connect() as conn:
            return conn.execute(select(r.c.id).where(r.c.id == response_id)).first() is not None

    def answering(self, office: str, first: date, last: date, question: str,
                  channel: Channel = KIOSK, stage: StageFilter = None) -> int:
        """How many responses of the range answered a choice question (chose at least one
        choice). The rollups count choices, not respondents, so this reads the rows, bounded by
        an office and a day range as the burst check is; ``LIKE`` keeps most rows unread."""
        r = t.responses
        conditions = [r.c.office == office, r.c.day >= first, r.c.day <= last,
                      r.c.answers.like(f'%"{question}"%')]
        if channel is not None:
            conditions.append(r.c.channel == channel)
        if stage is not None:
            conditions.append(r.c.stage == stage if stage else r.c.stage.is_(None))
        with self.engine.connect() as conn:
            texts = conn.execute(select(r.c.answers).where(*conditions)).scalars()
            return sum(1 for text in texts
                       if isinstance(answer := json.loads(text).get(question), list) and answer)

    def rated(self, office: str, first: date, last: date, channel: Channel = KIOSK,
              stage: StageFilter = None) -> list[dict[str, Any]]:
        """Day, channel, stage, questionnaire and answers of each response of the range: the
        hospital's comprehensive index counts respondents, which the rollups cannot."""
        r = t.responses
        conditions = [r.c.office == office, r.c.day >= first, r.c.day <= last]
        if channel is not None:
            conditions.append(r.c.channel == channel)
        if stage is not None:
            conditions.append(r.c.stage == stage if stage else r.c.stage.is_(None))
        return [{**row, "stage": row["stage"] or t.NO_STAGE, "answers": json.loads(row["answers"])}
                for row in self._all(select(r.c.day, r.c.channel, r.c.stage, r.c.questionnaire,
                                            r.c.answers).where(*conditions))]

    def rated_stages(self, office: str, first: date, last: date) -> list[dict[str, Any]]:
        """Receipt hash, stage, day and answers of the kiosk responses of the range that name
        both a dossier and a stage (the stages document pairs them; they never leave the hub)."""
        r = t.responses
        return self._all(select(r.c.receipt_h, r.c.stage, r.c.day, r.c.submitted_at, r.c.answers)
                         .where(r.c.office == office, r.c.day >= first, r.c.day <= last,
                                r.c.channel == KIOSK, r.c.stage.is_not(None),
                                r.c.receipt_h.is_not(None)))

    def integrity_sums(self, office: str, first: date, last: date,
                       channel: Channel = KIOSK) -> list[dict[str, Any]]:
        """Integrity answers per question and answer over the range (the only place they are)."""
        i = t.integrity_counts
        group = [i.c.question, i.c.answer]
        return self._all(select(*group, *_sums(i, ("n",)))
                         .where(*_cells(i, office, first, last, channel)).group_by(*group))

    def recent(self, office: str, days: Sequence[date], since: datetime, until: datetime
               ) -> list[dict[str, Any]]:
        """Counter and answers of the responses submitted in a window (the alert rule's)."""
        r = t.responses
        return self._all(select(r.c.counter, r.c.answers, r.c.submitted_at)
                         .where(r.c.office == office, r.c.day.in_(days), r.c.channel == KIOSK,
                                r.c.submitted_at >= since, r.c.submitted_at <= until))

    def response_ids(self, office: str | None = None) -> list[str]:
        with self.engine.connect() as conn:
            stmt = select(t.responses.c.id)
            if office is not None:
                stmt = stmt.where(t.responses.c.office == office)
            return list(conn.execute(stmt).scalars())

    def response_count_all(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(t.responses)).scalar_one())

    # -- fleet and events -------------------------------------------------------------------
    def kiosks(self, office: str) -> list[dict[str, Any]]:
        return self._all(select(t.kiosks).where(t.kiosks.c.office == office)
                         .order_by(t.kiosks.c.kiosk))

    def gaps(self, office: str) -> list[dict[str, Any]]:
        g = t.kiosk_gaps
        return self._all(select(g).where(g.c.office == office).order_by(g.c.kiosk, g.c.first))

    # -- actions ------------------------------------------------------------------------------
    def actions(self, office: str) -> list[dict[str, Any]]:
        """Every action of an office, the soonest due first (a plan is read by its dates)."""
        a = t.actions
        return self._all(select(a).where(a.c.office == office).order_by(a.c.due, a.c.id))

    def action(self, office: str, action_id: int) -> dict[str, Any] | None:
        a = t.actions
        rows = self._all(select(a).where(a.c.office == office, a.c.id == action_id))
        return rows[0] if rows else None

    def actions_version(self) -> tuple[int, str]:
        """How many actions there are and when one last changed: what citizens are told is
        stale when this changes."""
        a = t.actions
        with self.engine.connect() as conn:
            row = conn.execute(select(func.count(), func.max(a.c.updated_at))).first()
        return (int(row[0]), str(row[1])) if row else (0, "")

    def rejected(self, limit: int, offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
        with self.engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(t.rejected)).scalar_one()
            rows = conn.execute(select(t.rejected).order_by(t.rejected.c.id.desc())
                                .limit(limit).offset(offset)).mappings().all()
        return int(total), [dict(row) for row in rows]
