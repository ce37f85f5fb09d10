"""Who may be given what: account names, roles with their offices or provinces, passwords.

Pure checks, worded for the person who typed the command (hub/admin/accounts.py stores what
they let through; the CLI checks before asking for a password).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from hailong.settings import check_id

# linker: a token of the province's one-stop software, which only makes phone links for its
# offices (POST /api/v1/links, docs/web-channel.md); never a user.
Role = Literal["admin", "head", "viewer", "linker"]
ROLES: tuple[Role, ...] = ("admin", "head", "viewer", "linker")
NAME_PATTERN = r"^[a-z0-9][a-z0-9._@-]{0,63}$"
_NAME = re.compile(NAME_PATTERN)
# Shorter passwords fall to guessing even through argon2; longer ones are the user's choice.
MIN_PASSWORD = 10
MAX_PASSWORD = 1024


class AccountError(ValueError):
    """A mistake in an account command, worded for the person who made it."""


def check_name(name: str, what: str = "user name") -> str:
    if not _NAME.match(name):
        raise AccountError(f"{what} {name!r} is not valid: use 1-64 lower-case letters, digits "
                           "and . _ @ -, starting with a letter or digit")
    return name


def check_grant(role: str, offices: Iterable[str], provinces: Iterable[str] = ()
                ) -> tuple[Role, tuple[str, ...], tuple[str, ...]]:
    """The role, offices and provinces of a new user or token, or an AccountError saying what
    is wrong."""
    if role not in ROLES:
        raise AccountError(f"role must be admin, head, viewer or linker, not {role!r}")
    chosen = tuple(dict.fromkeys(offices))
    regions = tuple(dict.fromkeys(provinces))
    for what, ids in (("office", chosen), ("province", regions)):
        for value in ids:
            try:
                check_id(value)
            except ValueError as exc:
                raise AccountError(f"{what} id {value!r}: {exc}") from None
    if role not in ("head", "linker") and chosen:
        raise AccountError(f"--office is only for heads and linkers: a{'n' if role == 'admin' else ''} "
                           f"{role} sees " + ("every office" if role == "admin"
                                              else "the offices of its provinces"))
    if role != "viewer" and regions:
        raise AccountError("--province is only for viewers")
    if role == "head" and not chosen:
        raise AccountError("a head sees only the offices assigned to it: give at least one "
                           "--office ID")
    if role == "linker" and not chosen:
        raise AccountError("a linker makes links for the offices assigned to it: give at least "
                           "one --office ID")
    if role == "viewer" and not regions:
        raise AccountError("a viewer reads the offices of its provinces: give at least one "
                           "--province ID")
    return role, chosen, regions  # type: ignore[return-value]


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password is too short: use at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"the password is too long: at most {MAX_PASSWORD} characters")
    return password
