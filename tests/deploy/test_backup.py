"""``hailong hub db backup|restore``: a backup restored into a fresh database gives the same scores."""

from __future__ import annotations

import glob
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from hailong import contract
from hailong.broker import Broker
from hailong.topics import kiosk_topic
from tests.support import RawClient, RunningHub, hailong_cli, hub_settings, require, wait_until
from tests.support.deploy import PrivatePostgres
from tests.support.hubdata import response

OFFICES = ("ubnd-a", "ubnd-b")


def _fill(broker: Broker, hub: RunningHub) -> dict[str, object]:
    """Publish a handful of ratings to two offices; return their scores from the API."""
    client = RawClient(broker.url)
    sent = 0
    for index, overall in enumerate((5, 4, 4, 2, 1, 3, 5)):
        office = OFFICES[index % 2]
        document = response(office=office, kiosk="k01", seq=index + 1, overall=overall)
        client.publish(kiosk_topic(office, "k01", "response"), contract.encode(document))
        sent += 1
    client.close()
    wait_until(lambda: len(hub.hub.store.read.response_ids()) == sent, message="all ratings stored")
    return _scores(hub)


def _scores(hub: RunningHub) -> dict[str, object]:
    scores = {}
    for office in OFFICES:
        status, body = hub.get(f"/api/v1/offices/{office}/scores")
        assert status == 200, body
        scores[office] = body
    return scores


def _backup_and_restore(tmp_path: Path, broker: Broker, source_url: str, fresh_url: str) -> None:
    original = RunningHub(hub_settings(tmp_path / "hub", broker.url, database_url=source_url))
    try:
        before = _fill(broker, original)
        backup = tmp_path / "backups" / "hub-backup"
        # Online: the hub is still running and connected while the backup is taken.
        result = hailong_cli("hub", "db", "backup", str(backup), "--config",
                             str(tmp_path / "hub" / "hub.toml"))
        assert result.returncode == 0, result.stderr
        assert "backup written to" in result.stdout
        assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    finally:
        original.stop()

    fresh = hub_settings(tmp_path / "fresh", broker.url, database_url=fresh_url,
                         client_id="hailong-hub-restored")
    result = hailong_cli("hub", "db", "restore", str(backup), "--config",
                         str(tmp_path / "fresh" / "hub.toml"))
    assert result.returncode == 0, result.stderr
    assert "restored" in result.stdout and "schema revision" in result.stdout

    restored = RunningHub(fresh)
    try:
        after = _scores(restored)
        assert after == before
        assert all(body["responses"] > 0 for body in after.values())  # type: ignore[index]
    finally:
        restored.stop()

    again = hailong_cli("hub", "db", "restore", str(backup), "--config",
                        str(tmp_path / "fresh" / "hub.toml"))
    assert again.returncode == 1
    assert "--force" in again.stderr and "Traceback" not in again.stderr


def test_a_sqlite_backup_restored_into_a_fresh_database_gives_the_same_scores(
        tmp_path: Path, broker: Broker) -> None:
    _backup_and_restore(tmp_path, broker, f"sqlite:///{tmp_path / 'live' / 'hub.db'}",
                        f"sqlite:///{tmp_path / 'restored' / 'hub.db'}")


@pytest.fixture
def postgres() -> Iterator[PrivatePostgres]:
    require("PostgreSQL", bool(glob.glob("/usr/lib/postgresql/*/bin/initdb")),
            "sudo apt-get install -y postgresql")
    server = PrivatePostgres()
    yield server
    server.stop()


def test_a_postgresql_backup_restored_into_a_fresh_database_gives_the_same_scores(
        tmp_path: Path, broker: Broker, postgres: PrivatePostgres) -> None:
    source = postgres.create_database("hub")
    fresh = postgres.create_database("restored")
    result = hailong_cli("hub", "db", "upgrade", env={"HAILONG_DATABASE_URL": source})
    assert result.returncode == 0, result.stderr
    _backup_and_restore(tmp_path, broker, source, fresh)


def test_restore_refuses_what_is_not_a_backup_and_backup_needs_a_database(tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database")
    env = {"HAILONG_DATABASE_URL": f"sqlite:///{tmp_path / 'hub.db'}"}
    result = hailong_cli("hub", "db", "restore", str(junk), env=env)
    assert result.returncode == 1
    assert "not a hub backup" in result.stderr and "Traceback" not in result.stderr
    result = hailong_cli("hub", "db", "restore", str(tmp_path / "missing.db"), env=env)
    assert result.returncode == 1 and "file not found" in result.stderr
    result = hailong_cli("hub", "db", "backup", str(tmp_path / "b.db"), env=env)
    assert result.returncode == 1 and "no hub database here" in result.stderr
    assert not (tmp_path / "b.db").exists()
