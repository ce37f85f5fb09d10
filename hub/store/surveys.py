"""Imported survey files in the database: their respondents stored with their rollups in one
transaction, and an import undone the same way. The file is read and checked in
hub/admin/surveys.py; what reaches the store is a :class:`SurveyFile`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from hub.store import tables as t
from hub.store.engine import CHUNK, utc
from hub.store.rollups import RollupWriter
from hub.store.survey_repeats import refuse_repeats


@dataclass(frozen=True, slots=True)
class Respondent:
    row: int
    office: str
    day: date
    channel: str
    respondent: str | None
    questionnaire: str
    answers: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class SurveyFile:
    file_name: str
    digest: str
    respondents: tuple[Respondent, ...]

    @property
    def offices(self) -> list[str]:
        return sorted({r.office for r in self.respondents})

    @property
    def channels(self) -> list[str]:
        return sorted({r.channel for r in self.respondents})


@dataclass(frozen=True, slots=True)
class SurveyImport:
    id: int
    rows: int
    duplicate: bool  # the same file was imported before: nothing new was stored


class SurveyWriter(RollupWriter):
    def import_survey(self, survey: SurveyFile, who: str, when: datetime,
                      timezone_of: Callable[[str], tzinfo]) -> SurveyImport:
        """Store a checked survey file's respondents with their rollups, in one transaction;
        a file imported before (and not undone) is not imported again."""
        try:
            return self._import_survey(survey, who, when, timezone_of)
        except IntegrityError:  # another import of the same file committed first
            found = self._active_import(survey.digest)
            if found is None:
                raise
            return found

    def _active_import(self, digest: str, conn: Connection | None = None) -> SurveyImport | None:
        si = t.survey_imports
        query = select(si.c.id, si.c.rows).where(si.c.digest == digest, si.c.undone_at.is_(None))
        if conn is None:
            with self.engine.connect() as own:
                row = own.execute(query).first()
        else:
            row = conn.execute(query).first()
        return SurveyImport(int(row.id), int(row.rows), duplicate=True) if row else None

    def _import_survey(self, survey: SurveyFile, who: str, when: datetime,
                       timezone_of: Callable[[str], tzinfo]) -> SurveyImport:
        respondents = survey.respondents
        with self._writer.begin() as conn:
            found = self._active_import(survey.digest, conn)
            if found is not None:
                return found
            refuse_repeats(conn, ((r.row, r.office, r.channel, r.respondent)  # other bytes
                                  for r in respondents))
            import_id = int(conn.execute(t.survey_imports.insert().values(
                digest=survey.digest, file_name=survey.file_name[:255],
                channels=",".join(survey.channels), offices=",".join(survey.offices),
                rows=len(respondents), first_day=min(r.day for r in respondents),
                last_day=max(r.day for r in respondents), imported_by=who[:64],
                imported_at=utc(when)).returning(t.survey_imports.c.id)).scalar_one())
            rows = []
            for r in respondents:
                # A survey answer has a day, not a moment: it counts at noon, office time.
                moment = utc(datetime.combine(r.day, time(12), timezone_of(r.office)))
                answers = json.dumps(dict(r.answers), separators=(",", ":"), sort_keys=True)
                rows.append({
                    "id": f"survey-{import_id}-{r.row}", "office": r.office, "kiosk": "",
                    "seq": 0, "counter": "", "officer": t.NO_OFFICER, "trigger": "survey",
                    "questionnaire": r.questionnaire, "lang": "vi", "started_at": moment,
                    "submitted_at": moment, "received_at": utc(when), "day": r.day,
                    "complete": True, "receipt_h": None, "receipt_unit": None,
                    "receipt_date": None, "answers": answers,
                    "digest": hashlib.sha256(f"{survey.digest}:{r.row}:{answers}".encode())
                    .hexdigest(), "flags": "", "channel": r.channel, "import_id": import_id,
                    "respondent": r.respondent})
            for start in range(0, len(rows), CHUNK):
                conn.execute(t.responses.insert(), rows[start:start + CHUNK])
            self._add_rollups(conn, [
                ((r.office, r.day, "", t.NO_OFFICER, r.questionnaire, r.channel, t.NO_STAGE), True,
                 set(),
                 dict(r.answers)) for r in respondents])
        return SurveyImport(import_id, len(respondents), duplicate=False)

    def undo_import(self, import_id: int, who: str, when: datetime) -> int:
        """Take an import's respondents out of the responses and the rollups; the import stays
        listed as undone. The number of respondents removed; LookupError when there is nothing
        to undo."""
        si, r = t.survey_imports, t.responses
        with self._writer.begin() as conn:
            found = conn.execute(select(si).where(si.c.id == import_id)).mappings().first()
            if found is None:
                raise LookupError(f"no survey import {import_id}")
            if found["undone_at"] is not None:
                raise LookupError(f"survey import {import_id} was already undone by "
                                  f"{found['undone_by']}")
            stored = conn.execute(select(
                r.c.office, r.c.day, r.c.counter, r.c.officer, r.c.questionnaire, r.c.channel,
                r.c.stage, r.c.complete, r.c.answers).where(r.c.import_id == import_id)).mappings().all()
            self._add_rollups(conn, [
                ((row["office"], row["day"], row["counter"], row["officer"], row["questionnaire"],
                  row["channel"], row["stage"] or t.NO_STAGE), bool(row["complete"]), set(),
                 json.loads(row["answers"]))
                for row in stored], sign=-1)
            conn.execute(delete(r).where(r.c.import_id == import_id))
            for table in (t.rollup_responses, t.rollup_ratings, t.rollup_choices):
                conn.execute(delete(table).where(table.c.channel != t.KIOSK_CHANNEL,
                                                 table.c.n <= 0))
            conn.execute(update(si).where(si.c.id == import_id).values(
                undone_by=who[:64], undone_at=utc(when)))
        return len(stored)
