"""The office page's live part as a patch: only the lines that changed since the page's version.

A rating changes a few numbers on a page of some 30 KB of HTML. The page keeps the text of the
live part it shows and its version (a hash); on a live event it asks for the part again with
that version, and gets back only the lines to replace (``difflib`` opcodes), or the whole text
when the hub no longer has the version (a restart, or a page older than the versions kept).
The page then changes its document in place (static/dashboard.js), so open details, focus and
the scroll position stay as they were. Pure: no I/O; one instance lives on the app's context.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from difflib import SequenceMatcher
from typing import Any

# Versions remembered, all offices and languages together: every page open on the hub asks
# within a second of an update, so a few per office (a head's and an admin's page, two
# languages) cover them; a page asking for an older one simply gets the whole text.
KEEP = 64
# The version's length in hex digits: enough never to collide among KEEP texts.
VERSION_LENGTH = 16


def version_of(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:VERSION_LENGTH]


def line_patch(old: list[str], new: list[str]) -> list[list[Any]]:
    """``[[start, end, [lines…]], …]``: replace ``old[start:end]`` by the lines, applied from
    the last to the first so that the positions stay those of ``old``."""
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    return [[i1, i2, new[j1:j2]] for tag, i1, i2, j1, j2 in matcher.get_opcodes()
            if tag != "equal"]


def apply_patch(old: list[str], patch: list[list[Any]]) -> list[str]:
    """What the page does with a patch (the tests check both sides agree)."""
    lines = list(old)
    for start, end, replacement in reversed(patch):
        lines[start:end] = replacement
    return lines


class LivePatches:
    """The recent texts of live parts by version, and the patch from one to another."""

    def __init__(self, keep: int = KEEP) -> None:
        self._keep = keep
        self._texts: OrderedDict[str, list[str]] = OrderedDict()
        self._lock = threading.Lock()  # page handlers run in the server's thread pool

    def answer(self, html: str, since: str) -> dict[str, Any]:
        """``{"version", "patch"}`` from the version ``since``, else ``{"version", "html"}``."""
        version = version_of(html)
        lines = html.split("\n")
        with self._lock:
            old = self._texts.get(since)
            self._texts[version] = lines
            self._texts.move_to_end(version)
            while len(self._texts) > self._keep:
                self._texts.popitem(last=False)
        if old is None:
            return {"version": version, "html": html}
        return {"version": version, "patch": [] if since == version else line_patch(old, lines)}
