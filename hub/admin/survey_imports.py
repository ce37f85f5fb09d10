"""Importing a survey file: check it (hub/admin/surveys.py) against the hub's offices, questionnaires
and channels, then store it (hub/store/). The one path used by the CLI, the API and the page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from hailong.questionnaire import Questionnaire
from hub.admin.surveys import (
    MAX_PROBLEMS,
    STANDARD_CHANNELS,
    Problem,
    SurveyRejected,
    SurveyRules,
    parse_survey,
)
from hub.roster import Roster
from hub.scores.kinds import questionnaires_by_kind
from hub.store import Store, SurveyImport
from hub.store.survey_repeats import Repeat, RespondentsRepeated

# Survey dates are office days; the earliest time zone on earth is UTC+14, so no office's today
# is later than today there.
_LATEST_ZONE = timedelta(hours=14)


def scale_labels() -> dict[int, list[str]]:
    """The 5-level scale's labels in both languages, from the dashboard's catalogue."""
    from hub.i18n import LANGS, catalogue

    texts = catalogue()
    return {level: [texts[f"scale.{level}"][lang] for lang in LANGS] for level in range(1, 6)}


def declared_channels(extra: Iterable[str] = ()) -> list[str]:
    return list(dict.fromkeys([*STANDARD_CHANNELS, *extra]))


def survey_rules(store: Store, catalog: Mapping[str, Questionnaire], channels: Iterable[str],
                 channel: str | None, now: datetime, roster: Roster | None = None) -> SurveyRules:
    """The offices are those the hub knows, with the roster's (when given) as they are now."""
    offices = {row["id"]: row["kind"] for row in store.read.offices()}
    if roster is not None:
        offices.update({office.id: office.kind for office in roster.offices})
    return SurveyRules(
        offices=offices,
        questionnaires=questionnaires_by_kind(catalog.values()),
        channels=declared_channels(channels), latest=(now.astimezone(UTC) + _LATEST_ZONE).date(),
        channel=channel.strip().lower() if channel else None, scale_labels=scale_labels())


def import_survey_file(store: Store, catalog: Mapping[str, Questionnaire],
                       channels: Iterable[str], timezone_of: Callable[[str], tzinfo],
                       data: bytes, file_name: str, channel: str | None, who: str,
                       now: datetime | None = None, roster: Roster | None = None
                       ) -> SurveyImport:
    """Check the whole file, then store it; :class:`hub.surveys.SurveyRejected` lists every
    problem of a file and nothing of it is stored."""
    now = now or datetime.now(UTC)
    survey = parse_survey(data, file_name,
                          survey_rules(store, catalog, channels, channel, now, roster))
    try:
        return store.import_survey(survey, who, now, timezone_of)
    except RespondentsRepeated as exc:  # the same people re-saved in other bytes
        raise repeats_rejected(exc.repeats) from None


def repeats_rejected(repeats: Sequence[Repeat]) -> SurveyRejected:
    """Each respondent imported before as a problem naming the earlier import."""
    problems = [Problem(r.row, "respondent", f"respondent {r.respondent!r} of {r.office} "
                        f"({r.channel}) was imported already by import {r.import_id} "
                        f"({r.file_name}): undo that import to replace it") for r in repeats]
    shown = problems[:MAX_PROBLEMS]
    if len(problems) > MAX_PROBLEMS:
        shown.append(Problem(None, None, f"and {len(problems) - MAX_PROBLEMS} more problems"))
    return SurveyRejected(shown, len(problems))


def import_document(row: Mapping[str, Any]) -> dict[str, Any]:
    """One import as the API and the page list it."""
    from hub.scores.documents import rfc3339

    return {"id": row["id"], "file_name": row["file_name"],
            "channels": [c for c in row["channels"].split(",") if c],
            "offices": [o for o in row["offices"].split(",") if o], "rows": row["rows"],
            "from": row["first_day"].isoformat(), "to": row["last_day"].isoformat(),
            "imported_by": row["imported_by"], "imported_at": rfc3339(row["imported_at"]),
            "undone_by": row["undone_by"], "undone_at": rfc3339(row["undone_at"]),
            "state": "undone" if row["undone_at"] else "imported"}
