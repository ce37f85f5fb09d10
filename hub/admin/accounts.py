"""Who may see what: dashboard users (argon2-hashed passwords), API tokens and browser sessions.

Three roles: ``admin`` sees every office; ``head`` sees only the offices assigned to it;
``viewer`` reads every office of the provinces assigned to it and changes nothing. Users
sign in with a password and get a session; scripts use a token. Tokens and session ids are
random 256-bit secrets, so the database keeps only their SHA-256 (a slow hash adds nothing to
a secret nobody can guess); passwords are chosen by people and get argon2id. No account
exists until someone creates one: there is no default password anywhere.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    String,
    Table,
    Text,
    delete,
    false,
    select,
    update,
)
from sqlalchemy.engine import Connection, Engine

from hub.admin.grants import (
    AccountError,
    Role,
    check_grant,
    check_name,
    check_password,
)
from hub.store.tables import metadata
from hub.store.tables import offices as office_table

TOKEN_PREFIX = "hlt_"
# Writing "last used" on every request would make each API call a write; once a minute is
# precise enough for "is this token still in use?".
TOUCH_EVERY = timedelta(minutes=1)

users = Table(
    "users", metadata,
    Column("name", String(64), primary_key=True),
    Column("role", String(8), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_signin", DateTime(timezone=True)),
    # Where alert mails go, and whether the user wants them (revision 0600; hub/admin/contacts.py)
    Column("email", String(254), nullable=False, server_default=""),
    Column("notify", Boolean, nullable=False, server_default=false()),
)

user_offices = Table(
    "user_offices", metadata,
    Column("user_name", String(64), ForeignKey("users.name", ondelete="CASCADE"), primary_key=True),
    Column("office", String(63), primary_key=True),
)

tokens = Table(
    "tokens", metadata,
    Column("name", String(64), primary_key=True),
    Column("role", String(8), nullable=False),
    Column("secret_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_used", DateTime(timezone=True)),
)

token_offices = Table(
    "token_offices", metadata,
    Column("token", String(64), ForeignKey("tokens.name", ondelete="CASCADE"), primary_key=True),
    Column("office", String(63), primary_key=True),
)

# A viewer's provinces (revision 0500): its offices are those the roster puts in them.
user_provinces = Table(
    "user_provinces", metadata,
    Column("user_name", String(64), ForeignKey("users.name", ondelete="CASCADE"),
           primary_key=True),
    Column("province", String(63), primary_key=True),
)

token_provinces = Table(
    "token_provinces", metadata,
    Column("token", String(64), ForeignKey("tokens.name", ondelete="CASCADE"), primary_key=True),
    Column("province", String(63), primary_key=True),
)

sessions = Table(
    "sessions", metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("user_name", String(64), ForeignKey("users.name", ondelete="CASCADE"), nullable=False,
           index=True),
    # The synchronizer token every form of this session must carry.
    Column("csrf", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen", DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: a signed-in user or a token, with the offices it may see (a viewer's:
    the offices of its provinces, read when the principal is loaded)."""

    kind: Literal["user", "token"]
    name: str
    role: Role
    offices: frozenset[str]
    provinces: frozenset[str] = frozenset()

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def reads_only(self) -> bool:
        """A province viewer: reads its provinces' offices, changes nothing."""
        return self.role == "viewer"

    @property
    def sees_integrity(self) -> bool:
        """The integrity figures and sensitive reasons belong to the province (admins and its
        viewers), never to the head of the office concerned."""
        return self.is_admin or self.reads_only

    def may_see_province(self, province: str) -> bool:
        return self.is_admin or (self.reads_only and province in self.provinces)

    def may_see(self, office: str) -> bool:
        return self.is_admin or office in self.offices


@dataclass(frozen=True, slots=True)
class Session:
    principal: Principal
    csrf: str
    id_hash: str


@dataclass(frozen=True, slots=True)
class AccountRow:
    """A user or a token as listed by the CLI."""

    name: str
    role: Role
    offices: tuple[str, ...]
    created_at: datetime
    last_used: datetime | None
    provinces: tuple[str, ...] = ()


def now_utc() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


class Accounts:
    """Users, tokens and sessions in the hub's database (the tables of revision 0100)."""

    def __init__(self, engine: Engine, hasher: PasswordHasher | None = None) -> None:
        self.engine = engine
        # Writes read first (does the name exist?): on SQLite they take the write lock at once
        # (BEGIN IMMEDIATE, hub/store/engine.py), so the ingest's commits between the read and
        # the write wait in busy_timeout instead of failing with "database is locked".
        self._writer = engine.execution_options(hailong_write=True)
        self.hasher = hasher or PasswordHasher()
        # Verified against when the user name is unknown, so that a wrong name costs as much
        # time as a wrong password and timing does not reveal which names exist.
        self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))

    # -- users ----------------------------------------------------------------------------
    def add_user(self, name: str, role: str, offices: Iterable[str], password: str,
                 provinces: Iterable[str] = ()) -> None:
        check_name(name)
        role, chosen, regions = check_grant(role, offices, provinces)
        if role == "linker":
            raise AccountError("a linker is a token for the province's one-stop software, not a "
                               "user: `hailong hub token add NAME --role linker --office ID`")
        check_password(password)
        hashed = self.hasher.hash(password)
        with self._writer.begin() as conn:
            if conn.execute(select(users.c.name).where(users.c.name == name)).first():
                raise AccountError(f"user {name!r} already exists: remove it first, or set a new "
                                   "password with `hailong hub user password`")
            conn.execute(users.insert().values(name=name, role=role, password_hash=hashed,
                                               created_at=now_utc()))
            if chosen:
                conn.execute(user_offices.insert(), [{"user_name": name, "office": o} for o in chosen])
            if regions:
                conn.execute(user_provinces.insert(),
                             [{"user_name": name, "province": p} for p in regions])

    def set_password(self, name: str, password: str) -> None:
        check_password(password)
        hashed = self.hasher.hash(password)
        with self._writer.begin() as conn:
            done = conn.execute(update(users).where(users.c.name == name)
                                .values(password_hash=hashed)).rowcount
            if not done:
                raise AccountError(f"no user {name!r}")
            # A new password ends every session opened with the old one.
            conn.execute(delete(sessions).where(sessions.c.user_name == name))

    def remove_user(self, name: str) -> None:
        with self._writer.begin() as conn:
            conn.execute(delete(sessions).where(sessions.c.user_name == name))
            conn.execute(delete(user_offices).where(user_offices.c.user_name == name))
            conn.execute(delete(user_provinces).where(user_provinces.c.user_name == name))
            if not conn.execute(delete(users).where(users.c.name == name)).rowcount:
                raise AccountError(f"no user {name!r}")

    def list_users(self) -> list[AccountRow]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(users).order_by(users.c.name)).mappings().all()
            grants = self._grants(conn, user_offices, "user_name", "office")
            regions = self._grants(conn, user_provinces, "user_name", "province")
        return [AccountRow(r["name"], r["role"], grants.get(r["name"], ()),
                           _aware(r["created_at"]) or now_utc(), _aware(r["last_signin"]),
                           regions.get(r["name"], ()))
                for r in rows]

    def has_users(self) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(users.c.name).limit(1)).first() is not None

    def user_exists(self, name: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(users.c.name).where(users.c.name == name)).first() is not None

    def verify_password(self, name: str, password: str) -> Principal | None:
        """The user, when ``password`` is theirs; None otherwise (in about the same time)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.name == name)).mappings().first()
        if row is None:
            with contextlib.suppress(VerificationError):
                self.hasher.verify(self._dummy_hash, password)
            return None
        try:
            self.hasher.verify(row["password_hash"], password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        with self._writer.begin() as conn:
            values: dict[str, object] = {"last_signin": now_utc()}
            if self.hasher.check_needs_rehash(row["password_hash"]):
                values["password_hash"] = self.hasher.hash(password)
            conn.execute(update(users).where(users.c.name == name).values(**values))
        return self._user_principal(name)

    def _user_principal(self, name: str) -> Principal | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(users.c.role).where(users.c.name == name)).first()
            if row is None:
                return None
            return self._principal(conn, "user", name, row.role)

    @staticmethod
    def _principal(conn: Connection, kind: Literal["user", "token"], name: str, role: Role
                   ) -> Principal:
        """A principal with its grants: a viewer's offices are those the roster (the offices
        table) puts in its provinces now, so a new office of a province is seen at once."""
        grant, key = (user_offices, "user_name") if kind == "user" else (token_offices, "token")
        regions, region_key = ((user_provinces, "user_name") if kind == "user"
                               else (token_provinces, "token"))
        offices = set(conn.execute(select(grant.c.office).where(grant.c[key] == name)).scalars())
        provinces = frozenset(conn.execute(select(regions.c.province)
                                           .where(regions.c[region_key] == name)).scalars())
        if role == "viewer" and provinces:
            offices.update(conn.execute(select(office_table.c.id).where(
                office_table.c.province.in_(provinces))).scalars())
        return Principal(kind, name, role, frozenset(offices), provinces)

    # -- sessions -------------------------------------------------------------------------
    def open_session(self, principal: Principal) -> tuple[str, Session]:
        """A new session for a signed-in user: the cookie value (shown once) and the session."""
        secret = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        moment = now_utc()
        with self._writer.begin() as conn:
            conn.execute(sessions.insert().values(id_hash=digest(secret), user_name=principal.name,
                                                  csrf=csrf, created_at=moment, last_seen=moment))
        return secret, Session(principal, csrf, digest(secret))

    def session(self, secret: str, idle: timedelta) -> Session | None:
        """The session behind a cookie value, if it exists and was used within ``idle``."""
        if not secret:
            return None
        id_hash = digest(secret)
        with self.engine.connect() as conn:
            row = conn.execute(select(sessions).where(sessions.c.id_hash == id_hash)).mappings().first()
        if row is None:
            return None
        moment = now_utc()
        last_seen = _aware(row["last_seen"]) or moment
        if moment - last_seen > idle:
            self.close_session(id_hash)
            return None
        principal = self._user_principal(row["user_name"])
        if principal is None:
            return None
        if moment - last_seen > TOUCH_EVERY:
            with self._writer.begin() as conn:
                conn.execute(update(sessions).where(sessions.c.id_hash == id_hash)
                             .values(last_seen=moment))
        return Session(principal, row["csrf"], id_hash)

    def close_session(self, id_hash: str) -> None:
        with self._writer.begin() as conn:
            conn.execute(delete(sessions).where(sessions.c.id_hash == id_hash))

    def purge_sessions(self, idle: timedelta) -> int:
        with self._writer.begin() as conn:
            return int(conn.execute(delete(sessions).where(
                sessions.c.last_seen < now_utc() - idle)).rowcount or 0)

    # -- tokens ---------------------------------------------------------------------------
    def create_token(self, name: str, role: str, offices: Iterable[str],
                     provinces: Iterable[str] = ()) -> str:
        """A new token; returns its secret, which is stored only as a hash."""
        check_name(name, "token name")
        role, chosen, regions = check_grant(role, offices, provinces)
        secret = new_token()
        with self._writer.begin() as conn:
            if conn.execute(select(tokens.c.name).where(tokens.c.name == name)).first():
                raise AccountError(f"a token named {name!r} already exists: revoke it first")
            conn.execute(tokens.insert().values(name=name, role=role, secret_hash=digest(secret),
                                                created_at=now_utc()))
            if chosen:
                conn.execute(token_offices.insert(), [{"token": name, "office": o} for o in chosen])
            if regions:
                conn.execute(token_provinces.insert(),
                             [{"token": name, "province": p} for p in regions])
        return secret

    def revoke_token(self, name: str) -> None:
        with self._writer.begin() as conn:
            conn.execute(delete(token_offices).where(token_offices.c.token == name))
            conn.execute(delete(token_provinces).where(token_provinces.c.token == name))
            if not conn.execute(delete(tokens).where(tokens.c.name == name)).rowcount:
                raise AccountError(f"no token {name!r}")

    def list_tokens(self) -> list[AccountRow]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(tokens).order_by(tokens.c.name)).mappings().all()
            grants = self._grants(conn, token_offices, "token", "office")
            regions = self._grants(conn, token_provinces, "token", "province")
        return [AccountRow(r["name"], r["role"], grants.get(r["name"], ()),
                           _aware(r["created_at"]) or now_utc(), _aware(r["last_used"]),
                           regions.get(r["name"], ()))
                for r in rows]

    def token(self, secret: str) -> Principal | None:
        if not secret.startswith(TOKEN_PREFIX):
            return None
        with self.engine.connect() as conn:
            row = conn.execute(select(tokens).where(tokens.c.secret_hash == digest(secret))
                               ).mappings().first()
            if row is None:
                return None
            principal = self._principal(conn, "token", row["name"], row["role"])
        moment = now_utc()
        last = _aware(row["last_used"])
        if last is None or moment - last > TOUCH_EVERY:
            with self._writer.begin() as conn:
                conn.execute(update(tokens).where(tokens.c.name == row["name"])
                             .values(last_used=moment))
        return principal

    @staticmethod
    def _grants(conn: Connection, table: Table, key: str, granted: str
                ) -> dict[str, tuple[str, ...]]:
        found: dict[str, list[str]] = {}
        for row in conn.execute(select(table.c[key], table.c[granted])
                                .order_by(table.c[key], table.c[granted])):
            found.setdefault(row[0], []).append(row[1])
        return {name: tuple(offices) for name, offices in found.items()}
