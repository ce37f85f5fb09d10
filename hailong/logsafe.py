"""Log lines that cannot be forged: text from outside (kiosk labels, typed names) is escaped.

A counter label is any 1–64 characters by contract and a typed user name is whatever was typed:
a newline in either would start a fake log line, an ANSI escape would repaint the terminal that
shows the log. Control, format (bidi overrides) and line/paragraph separator characters are
written as ``\\xNN``/``\\uNNNN``. The apps' log handler escapes every message this way
(:class:`EscapingFilter`, installed by ``hailong.cli.setup_logging``); call sites that log a
kiosk's string use :func:`printable` too, so the line is safe under any handler.
"""

from __future__ import annotations

import logging
import unicodedata

# Unicode categories never printed as they are: controls, format characters (U+202E turns a
# line around), line and paragraph separators, lone surrogates.
UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
# A kiosk's label is at most 64 characters; anything logged from outside is cut at this length.
MAX_LOGGED = 200


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else \
        f"\\U{code:08x}"


def printable(value: object, limit: int | None = MAX_LOGGED) -> str:
    """``value`` as one harmless line: unsafe characters escaped, cut after ``limit``."""
    text = str(value)
    cut = limit is not None and len(text) > limit
    if cut:
        text = text[:limit]
    safe = "".join(_escape(ch) if unicodedata.category(ch) in UNSAFE_CATEGORIES else ch
                   for ch in text)
    return safe + "…" if cut else safe


def typed_name(name: str, known: bool) -> str:
    """A user name typed at sign-in, as a log may show it: an account's name, or only its length
    (an unknown "name" is often a password typed in the wrong field)."""
    return printable(name, 64) if known else f"<unknown name, {len(name)} characters>"


class EscapingFilter(logging.Filter):
    """Escapes every message before a handler formats it (tracebacks keep their lines)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        escaped = printable(message, None)
        if escaped != message:
            record.msg, record.args = escaped, None
        return True
