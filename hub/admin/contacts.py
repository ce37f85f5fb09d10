"""Users' e-mail addresses and their opt-in to alert mails (``hailong hub user set``), and who
gets the mail of an office's alert: its heads and the admins, each only if opted in."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import or_, select, update
from sqlalchemy.engine import Connection, Engine

from hub.admin.accounts import user_offices, users
from hub.admin.grants import AccountError

# An address as mail servers take it: local@domain, no spaces or angle brackets; the server
# says the rest (a refused address shows on the alerts page).
ADDRESS = re.compile(r"^[^@\s<>,;\"]{1,64}@[^@\s<>,;\"]+\.[^@\s<>,;\".]{2,63}$")


@dataclass(frozen=True, slots=True)
class Contact:
    name: str
    role: str
    email: str
    notify: bool


def check_address(address: str) -> str:
    if address and (len(address) > 254 or not ADDRESS.match(address)):
        raise AccountError(f"{address!r} is not an e-mail address like ten@example.gov.vn")
    return address


class Contacts:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writer = engine.execution_options(hailong_write=True)  # as in accounts.py

    def set_contact(self, name: str, email: str | None = None, notify: bool | None = None
                    ) -> Contact:
        """Change a user's address and/or opt-in; the contact as it now stands."""
        values: dict[str, object] = {}
        if email is not None:
            values["email"] = check_address(email.strip())
        if notify is not None:
            values["notify"] = notify
        with self._writer.begin() as conn:
            row = conn.execute(select(users.c.role, users.c.email).where(users.c.name == name)
                               ).first()
            if row is None:
                raise AccountError(f"no user {name!r}")
            if notify and not values.get("email", row.email):
                raise AccountError(f"user {name!r} has no e-mail address: add --email ADDRESS")
            if values:
                conn.execute(update(users).where(users.c.name == name).values(**values))
            found = conn.execute(select(users.c.name, users.c.role, users.c.email, users.c.notify)
                                 .where(users.c.name == name)).one()
        return Contact(found.name, found.role, found.email, bool(found.notify))

    def contacts(self) -> dict[str, Contact]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(users.c.name, users.c.role, users.c.email, users.c.notify))
            return {r.name: Contact(r.name, r.role, r.email, bool(r.notify)) for r in rows}


def recipients(conn: Connection, office: str) -> list[str]:
    """The addresses an alert of ``office`` is mailed to: its heads and every admin who has an
    address and opted in (viewers read the province's figures, they handle no alert)."""
    heads = select(user_offices.c.user_name).where(user_offices.c.office == office)
    rows = conn.execute(select(users.c.email).where(
        users.c.notify.is_(True), users.c.email != "",
        or_(users.c.role == "admin", (users.c.role == "head") & users.c.name.in_(heads)))
        .order_by(users.c.email)).scalars()
    return sorted(set(rows))
