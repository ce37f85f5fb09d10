"""Tells a storage failure (the disk full, or failing) from a bug, for the kiosk's pause.

The outbox raises SQLAlchemy's wrapper around :mod:`sqlite3`'s error; a file write raises
:class:`OSError`. A disk that is full (SQLite's ``SQLITE_FULL``, ``ENOSPC``, ``EDQUOT``, or a
file-size limit's ``EFBIG``) or failing (``SQLITE_IOERR``, a lock held too long) may come right
by itself, so the kiosk pauses and retries; anything else (an invalid response) is a bug and is
reported as one.
"""

from __future__ import annotations

import errno
import sqlite3
from typing import Literal

Problem = Literal["full", "error"]

_SQLITE_FULL = 13  # sqlite3.SQLITE_FULL; extended codes keep it in the low byte
_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def _cause(exc: BaseException) -> BaseException:
    """The driver's own error inside SQLAlchemy's wrapper (read as ``orig``, so that this
    module, imported before the idle screen is up, does not import SQLAlchemy)."""
    orig = getattr(exc, "orig", None)
    return orig if isinstance(orig, BaseException) else exc


def storage_problem(exc: BaseException) -> Problem | None:
    """"full", "error" (storage that failed otherwise), or None when ``exc`` is no storage failure."""
    cause = _cause(exc)
    if isinstance(cause, sqlite3.IntegrityError | sqlite3.ProgrammingError):
        return None
    if isinstance(cause, sqlite3.DatabaseError):
        code = getattr(cause, "sqlite_errorcode", None)
        full = (code is not None and code & 0xFF == _SQLITE_FULL) or "full" in str(cause)
        return "full" if full else "error"
    if isinstance(cause, OSError):
        return "full" if cause.errno in _FULL_ERRNOS else "error"
    return None


def describe(exc: BaseException) -> str:
    """The failure in the database's or the system's own words, for the log (never the screen)."""
    cause = _cause(exc)
    return f"{cause} ({type(cause).__name__})"
