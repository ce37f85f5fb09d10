"""Who may see what: dashboard users (argon2-hashed passwords), API tokens and browser sessions.

Two roles: ``admin`` sees every office; ``head`` sees only the offices assigned to it. Users
sign in with a password and get a session; scripts use a token. Tokens and session ids are
random 256-bit secrets, so the database keeps only their SHA-256 (a slow hash adds nothing to
a secret nobody can guess); passwords are chosen by people and get argon2id. No account
exists until someone creates one: there is no default password anywhere.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Column, DateTime, ForeignKey, String, Table, Text, delete, select, update
from sqlalchemy.engine import Connection, Engine

from hailong.settings import check_id
from hub.store.tables import metadata

Role = Literal["admin", "head"]
ROLES: tuple[Role, ...] = ("admin", "head")
NAME_PATTERN = r"^[a-z0-9][a-z0-9._@-]{0,63}$"
_NAME = re.compile(NAME_PATTERN)
# Shorter passwords fall to guessing even through argon2; longer ones are the user's choice.
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
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


class AccountError(ValueError):
    """A mistake in an account command, worded for the person who made it."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: a signed-in user or a token, with the offices it may see."""

    kind: Literal["user", "token"]
    name: str
    role: Role
    offices: frozenset[str]

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

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


def now_utc() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def check_name(name: str, what: str = "user name") -> str:
    if not _NAME.match(name):
        raise AccountError(f"{what} {name!r} is not valid: use 1-64 lower-case letters, digits "
                           "and . _ @ -, starting with a letter or digit")
    return name


def check_grant(role: str, offices: Iterable[str]) -> tuple[Role, tuple[str, ...]]:
    """The role and offices of a new user or token, or an AccountError saying what is wrong."""
    if role not in ROLES:
        raise AccountError(f"role must be admin or head, not {role!r}")
    chosen = tuple(dict.fromkeys(offices))
    for office in chosen:
        try:
            check_id(office)
        except ValueError as exc:
            raise AccountError(f"office id {office!r}: {exc}") from None
    if role == "head" and not chosen:
        raise AccountError("a head sees only the offices assigned to it: give at least one "
                           "--office ID")
    if role == "admin" and chosen:
        raise AccountError("an admin sees every office: --office is only for heads")
    return role, chosen  # type: ignore[return-value]


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password is too short: use at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"the password is too long: at most {MAX_PASSWORD} characters")
    return password


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


class Accounts:
    """Users, tokens and sessions in the hub's database (the tables of revision 0100)."""

    def __init__(self, engine: Engine, hasher: PasswordHasher | None = None) -> None:
        self.engine = engine
        self.hasher = hasher or PasswordHasher()
        # Verified against when the user name is unknown, so that a wrong name costs as much
        # time as a wrong password and timing does not reveal which names exist.
        self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))

    # -- users ----------------------------------------------------------------------------
    def add_user(self, name: str, role: str, offices: Iterable[str], password: str) -> None:
        check_name(name)
        role, chosen = check_grant(role, offices)
        check_password(password)
        hashed = self.hasher.hash(password)
        with self.engine.begin() as conn:
            if conn.execute(select(users.c.name).where(users.c.name == name)).first():
                raise AccountError(f"user {name!r} already exists: remove it first, or set a new "
                                   "password with `hailong hub user password`")
            conn.execute(users.insert().values(name=name, role=role, password_hash=hashed,
                                               created_at=now_utc()))
            if chosen:
                conn.execute(user_offices.insert(), [{"user_name": name, "office": o} for o in chosen])

    def set_password(self, name: str, password: str) -> None:
        check_password(password)
        hashed = self.hasher.hash(password)
        with self.engine.begin() as conn:
            done = conn.execute(update(users).where(users.c.name == name)
                                .values(password_hash=hashed)).rowcount
            if not done:
                raise AccountError(f"no user {name!r}")
            # A new password ends every session opened with the old one.
            conn.execute(delete(sessions).where(sessions.c.user_name == name))

    def remove_user(self, name: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(sessions).where(sessions.c.user_name == name))
            conn.execute(delete(user_offices).where(user_offices.c.user_name == name))
            if not conn.execute(delete(users).where(users.c.name == name)).rowcount:
                raise AccountError(f"no user {name!r}")

    def list_users(self) -> list[AccountRow]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(users).order_by(users.c.name)).mappings().all()
            grants = self._grants(conn, user_offices, "user_name")
        return [AccountRow(r["name"], r["role"], grants.get(r["name"], ()),
                           _aware(r["created_at"]) or now_utc(), _aware(r["last_signin"]))
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
        with self.engine.begin() as conn:
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
            offices = conn.execute(select(user_offices.c.office)
                                   .where(user_offices.c.user_name == name)).scalars().all()
        return Principal("user", name, row.role, frozenset(offices))

    # -- sessions -------------------------------------------------------------------------
    def open_session(self, principal: Principal) -> tuple[str, Session]:
        """A new session for a signed-in user: the cookie value (shown once) and the session."""
        secret = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        moment = now_utc()
        with self.engine.begin() as conn:
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
            with self.engine.begin() as conn:
                conn.execute(update(sessions).where(sessions.c.id_hash == id_hash)
                             .values(last_seen=moment))
        return Session(principal, row["csrf"], id_hash)

    def close_session(self, id_hash: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(sessions).where(sessions.c.id_hash == id_hash))

    def purge_sessions(self, idle: timedelta) -> int:
        with self.engine.begin() as conn:
            return int(conn.execute(delete(sessions).where(
                sessions.c.last_seen < now_utc() - idle)).rowcount or 0)

    # -- tokens ---------------------------------------------------------------------------
    def create_token(self, name: str, role: str, offices: Iterable[str]) -> str:
        """A new token; returns its secret, which is stored only as a hash."""
        check_name(name, "token name")
        role, chosen = check_grant(role, offices)
        secret = new_token()
        with self.engine.begin() as conn:
            if conn.execute(select(tokens.c.name).where(tokens.c.name == name)).first():
                raise AccountError(f"a token named {name!r} already exists: revoke it first")
            conn.execute(tokens.insert().values(name=name, role=role, secret_hash=digest(secret),
                                                created_at=now_utc()))
            if chosen:
                conn.execute(token_offices.insert(), [{"token": name, "office": o} for o in chosen])
        return secret

    def revoke_token(self, name: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(token_offices).where(token_offices.c.token == name))
            if not conn.execute(delete(tokens).where(tokens.c.name == name)).rowcount:
                raise AccountError(f"no token {name!r}")

    def list_tokens(self) -> list[AccountRow]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(tokens).order_by(tokens.c.name)).mappings().all()
            grants = self._grants(conn, token_offices, "token")
        return [AccountRow(r["name"], r["role"], grants.get(r["name"], ()),
                           _aware(r["created_at"]) or now_utc(), _aware(r["last_used"]))
                for r in rows]

    def token(self, secret: str) -> Principal | None:
        if not secret.startswith(TOKEN_PREFIX):
            return None
        with self.engine.connect() as conn:
            row = conn.execute(select(tokens).where(tokens.c.secret_hash == digest(secret))
                               ).mappings().first()
            if row is None:
                return None
            offices = conn.execute(select(token_offices.c.office)
                                   .where(token_offices.c.token == row["name"])).scalars().all()
        moment = now_utc()
        last = _aware(row["last_used"])
        if last is None or moment - last > TOUCH_EVERY:
            with self.engine.begin() as conn:
                conn.execute(update(tokens).where(tokens.c.name == row["name"])
                             .values(last_used=moment))
        return Principal("token", row["name"], row["role"], frozenset(offices))

    @staticmethod
    def _grants(conn: Connection, table: Table, key: str) -> dict[str, tuple[str, ...]]:
        found: dict[str, list[str]] = {}
        for row in conn.execute(select(table.c[key], table.c.office)
                                .order_by(table.c[key], table.c.office)):
            found.setdefault(row[0], []).append(row[1])
        return {name: tuple(offices) for name, offices in found.items()}
