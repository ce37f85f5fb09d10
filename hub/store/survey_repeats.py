"""Respondents imported before: the same survey saved again (new bytes) must not count twice.

The file digest catches the very same file; a survey re-saved by Excel has other bytes and the
same people. Respondent references (the ``respondent`` column) are unique per office and
channel across every import not undone: a file naming one already stored is refused, naming
the earlier import (hub/admin/survey_imports.py words the refusal). Rows without a reference
cannot be recognised (docs/survey-import.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Connection

from hub.store import tables as t
from hub.store.engine import CHUNK


@dataclass(frozen=True, slots=True)
class Repeat:
    """A respondent of the file (at ``row``) that an earlier import, not undone, holds."""

    row: int
    respondent: str
    office: str
    channel: str
    import_id: int
    file_name: str


class RespondentsRepeated(ValueError):
    """Respondents of the file were imported before; nothing of the file was stored."""

    def __init__(self, repeats: Sequence[Repeat]) -> None:
        super().__init__(f"{len(repeats)} respondent(s) imported before")
        self.repeats = list(repeats)


def earlier_respondents(conn: Connection,
                        respondents: Iterable[tuple[int, str, str, str | None]]) -> list[Repeat]:
    """The ``(row, office, channel, respondent)`` whose reference an earlier import holds."""
    wanted: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for row, office, channel, respondent in respondents:
        if respondent is not None:
            wanted[(office, channel)][respondent] = row
    responses, imports = t.responses, t.survey_imports
    repeats = []
    for (office, channel), rows in wanted.items():
        references = sorted(rows)
        for start in range(0, len(references), CHUNK):
            found = conn.execute(
                select(responses.c.respondent, imports.c.id, imports.c.file_name)
                .select_from(responses.join(imports, responses.c.import_id == imports.c.id))
                .where(responses.c.import_id.is_not(None), responses.c.office == office,
                       responses.c.channel == channel,
                       responses.c.respondent.in_(references[start:start + CHUNK]))).all()
            repeats += [Repeat(rows[ref], ref, office, channel, import_id, file_name)
                        for ref, import_id, file_name in found]
    return sorted(repeats, key=lambda r: r.row)


def refuse_repeats(conn: Connection,
                   respondents: Iterable[tuple[int, str, str, str | None]]) -> None:
    """:class:`RespondentsRepeated` when any of ``respondents`` was imported before."""
    repeats = earlier_respondents(conn, respondents)
    if repeats:
        raise RespondentsRepeated(repeats)
