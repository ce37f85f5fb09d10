"""Respondents imported before: the same survey saved again (new bytes) must not count twice.

The file digest catches the very same file; a survey re-saved by Excel has other bytes and the
same people. Respondent references (the ``respondent`` column) are unique per office and
channel across every import not undone: a file naming one already stored is refused, naming
the earlier import. Rows without a reference cannot be recognised (docs/survey-import.md).
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.engine import Connection

from hub import tables as t
from hub.surveys import MAX_PROBLEMS, Problem, SurveyFile, SurveyRejected

# References asked for per query: well under every database's limit of bound parameters.
CHUNK = 500


def earlier_respondents(conn: Connection, survey: SurveyFile) -> list[Problem]:
    """A problem per respondent of ``survey`` whose reference an earlier import holds."""
    wanted: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for r in survey.respondents:
        if r.respondent is not None:
            wanted[(r.office, r.channel)][r.respondent] = r.row
    responses, imports = t.responses, t.survey_imports
    problems = []
    for (office, channel), rows in wanted.items():
        references = sorted(rows)
        for start in range(0, len(references), CHUNK):
            found = conn.execute(
                select(responses.c.respondent, imports.c.id, imports.c.file_name)
                .select_from(responses.join(imports, responses.c.import_id == imports.c.id))
                .where(responses.c.import_id.is_not(None), responses.c.office == office,
                       responses.c.channel == channel,
                       responses.c.respondent.in_(references[start:start + CHUNK]))).all()
            problems += [Problem(rows[ref], "respondent", f"respondent {ref!r} of {office} "
                                 f"({channel}) was imported already by import {import_id} "
                                 f"({file_name}): undo that import to replace it")
                         for ref, import_id, file_name in found]
    return sorted(problems, key=lambda p: p.row or 0)


def refuse_repeats(conn: Connection, survey: SurveyFile) -> None:
    """:class:`SurveyRejected` when any respondent of ``survey`` was imported before."""
    problems = earlier_respondents(conn, survey)
    if problems:
        shown = problems[:MAX_PROBLEMS]
        if len(problems) > MAX_PROBLEMS:
            shown.append(Problem(None, None, f"and {len(problems) - MAX_PROBLEMS} more problems"))
        raise SurveyRejected(shown, len(problems))
