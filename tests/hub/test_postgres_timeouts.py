"""The hub's PostgreSQL connections carry their time-outs (hub/store/engine.py's PG_TIMEOUTS):
the server sees the statement and idle-transaction limits, the URL can override any of them,
and a probe of a database that never answers returns within its bound."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from hub.store.engine import PG_TIMEOUTS, make_engine
from hub.store.probe import DatabaseProbe


def settings_seen(url: str) -> dict[str, str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {name: conn.exec_driver_sql(f"SHOW {name}").scalar_one()
                    for name in ("statement_timeout", "idle_in_transaction_session_timeout")}
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_every_connection_has_the_time_outs_and_the_url_may_override_them(postgres: Any) -> None:
    url = postgres.create_database()
    assert settings_seen(url) == {"statement_timeout": "1min",
                                  "idle_in_transaction_session_timeout": "1min"}
    overridden = settings_seen(url + "?options=-c%20statement_timeout%3D5s")
    assert overridden["statement_timeout"] == "5s"
    assert overridden["idle_in_transaction_session_timeout"] == "0"  # the URL's options won
    assert "connect_timeout" in PG_TIMEOUTS and "tcp_user_timeout" in PG_TIMEOUTS


def test_a_sqlite_engine_gets_no_postgresql_parameters(tmp_path: Any) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT 1").scalar_one() == 1
    engine.dispose()


def test_the_probe_answers_within_its_bound_while_the_check_hangs() -> None:
    release = threading.Event()
    calls = []

    def hung() -> None:
        calls.append(1)
        release.wait()

    probe = DatabaseProbe(hung, wait=0.2)
    assert probe.problem() == "no answer within 0.2 s"
    assert probe.problem() == "no answer within 0.2 s"
    assert len(calls) == 1  # the second caller waited for the same check, none piled up
    release.set()
    ok = DatabaseProbe(lambda: None, wait=5)
    assert ok.problem() is None
    failing = DatabaseProbe(lambda: 1 / 0, wait=5)
    assert failing.problem() == "division by zero"
