"""The service PIN's lockout, kept in the kiosk's database: a restart does not clear it, and each
failed round of guesses locks the PIN screen twice as long as the one before.

Rounds of ``ROUND`` wrong PINs lock for 5, 10, 20 … minutes, at most a day: a guesser gets about
50 tries in the first two days, then 5 a day, so a 4-digit PIN holds years on average and a
6-digit one centuries (docs/kiosk.md). A right PIN starts afresh. The flow (kiosk/technician.py)
only shows what this module decides: the app asks :meth:`PinLock.check` and hands the verdict on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Column, Float, Integer, MetaData, Table, select
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

# Wrong PINs allowed in one round before the screen locks.
ROUND = 5
# The first round's lockout; each further round doubles it, up to MAX_LOCKOUT. A technician who
# mistypes five times waits five minutes; a guesser soon waits a day per five tries.
FIRST_LOCKOUT = timedelta(minutes=5)
MAX_LOCKOUT = timedelta(hours=24)

metadata = MetaData()
# One row (id 1): wrong PINs in the current round, rounds locked so far, the lock's end (Unix
# seconds: SQLite keeps no time zone).
pin_lock = Table(
    "pin_lock", metadata,
    Column("id", Integer, primary_key=True),
    Column("fails", Integer, nullable=False),
    Column("rounds", Integer, nullable=False),
    Column("locked_until", Float),
)


def verify_pin(pin_hash: str, pin: str) -> bool:
    """Whether ``pin`` matches [kiosk] service_pin_hash (an argon2 hash); a bad hash is logged."""
    from argon2 import PasswordHasher  # imported at the first PIN, not at every start
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return PasswordHasher().verify(pin_hash, pin)
    except VerificationError:
        return False
    except InvalidHashError:
        log.warning("[kiosk] service_pin_hash is not an argon2 hash: make one with "
                    "`hailong kiosk hash-pin`")
        return False


def lockout(rounds: int) -> timedelta:
    """How long the ``rounds``-th locked round locks (1 → 5 minutes)."""
    if rounds > 20:  # 2**20 × 5 minutes is far past the cap; keeps the power small
        return MAX_LOCKOUT
    return min(FIRST_LOCKOUT * 2 ** (rounds - 1), MAX_LOCKOUT)


@dataclass(frozen=True)
class PinVerdict:
    ok: bool
    locked_until: datetime | None  # set when the PIN screen is locked (now or by this try)


class PinLock:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        metadata.create_all(engine)

    def _row(self) -> tuple[int, int, datetime | None]:
        with self.engine.connect() as conn:
            row = conn.execute(select(pin_lock).where(pin_lock.c.id == 1)).first()
        if row is None:
            return 0, 0, None
        until = (None if row.locked_until is None
                 else datetime.fromtimestamp(row.locked_until).astimezone())
        return int(row.fails), int(row.rounds), until

    def _save(self, fails: int, rounds: int, until: datetime | None) -> None:
        with self.engine.begin() as conn:
            conn.execute(pin_lock.delete())
            conn.execute(pin_lock.insert().values(
                id=1, fails=fails, rounds=rounds,
                locked_until=None if until is None else until.timestamp()))

    def locked_until(self, now: datetime) -> datetime | None:
        until = self._row()[2]
        return until if until is not None and now < until else None

    def check(self, pin: str, verify: Callable[[str], bool], now: datetime) -> PinVerdict:
        """Verify ``pin`` unless the screen is locked; count a wrong one, durably."""
        fails, rounds, until = self._row()
        if until is not None and now < until:
            return PinVerdict(False, until)
        if verify(pin):
            self._save(0, 0, None)
            return PinVerdict(True, None)
        fails += 1
        if fails < ROUND:
            self._save(fails, rounds, None)
            return PinVerdict(False, None)
        rounds += 1
        until = now + lockout(rounds)
        self._save(0, rounds, until)
        return PinVerdict(False, until)
