"""Fixtures of the hub tests: a running hub on each kind of database, and for the notification
tests a real SMTP server (aiosmtpd) and a real HTTP
webhook receiver, both on loopback (tests/support/notify.py), and a migrated SQLite store
with a roster and users."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from hailong.broker import Broker
from hub.admin.accounts import Accounts
from hub.admin.contacts import Contacts
from hub.roster import load_roster
from hub.store import Store
from tests.support import PASSWORD, RunningHub, hub_settings, write_toml
from tests.support.notify import Calls, Mailbox, SmtpServer

ROSTER = """
[[offices]]
id = "ubnd-a"
name = "UBND phường Bến Thành"
province = "ho-chi-minh"

[[offices]]
id = "ubnd-b"
name = "UBND xã Đắk Mil"
province = "lam-dong"

[[kiosks]]
office = "ubnd-a"
id = "k01"
counter = "1"
"""


@pytest.fixture
def smtp_factory() -> Iterator[Callable[..., SmtpServer]]:
    from tests.support import require

    try:
        import aiosmtpd  # noqa: F401
        available = True
    except ImportError:
        available = False
    require("aiosmtpd", available, "pip install -e '.[dev]'")
    made: list[SmtpServer] = []

    def make(mailbox: Mailbox | None = None, port: int | None = None,
             start: bool = True) -> SmtpServer:
        server = SmtpServer(mailbox or Mailbox(), port)
        made.append(server)
        return server.start() if start else server

    yield make
    for server in made:
        server.stop()


@pytest.fixture
def webhook_receiver() -> Iterator[tuple[str, Calls]]:
    calls = Calls()

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            calls.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
            status = 503 if len(calls.requests) <= calls.fail_first else 200
            reply = json.dumps({"ok": status == 200}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks/alerts", calls
    server.shutdown()
    server.server_close()


def people_store(url: str, tmp_path: Path) -> Store:
    """A migrated store with the roster above and its people: heads of each office and an
    admin opted in, a viewer and a head who did not opt in."""
    store = Store(url)
    store.upgrade()
    store.apply_roster(load_roster(str(write_toml(tmp_path / "roster.toml", ROSTER))))
    accounts = Accounts(store.engine)
    contacts = Contacts(store.engine)
    for name, role, offices, email, notify in (
            ("lan", "head", ["ubnd-a"], "lan@ubnd-a.example.gov.vn", True),
            ("binh", "head", ["ubnd-b"], "binh@ubnd-b.example.gov.vn", True),
            ("quiet", "head", ["ubnd-a"], "quiet@ubnd-a.example.gov.vn", False),
            ("root", "admin", [], "root@example.gov.vn", True)):
        accounts.add_user(name, role, offices, PASSWORD)
        contacts.set_contact(name, email, notify)
    accounts.add_user("ana", "viewer", [], PASSWORD, ["ho-chi-minh"])
    contacts.set_contact("ana", "ana@example.gov.vn", True)
    return store


@pytest.fixture
def notify_store(tmp_path: Path) -> Iterator[Store]:
    """:func:`people_store` on SQLite."""
    store = people_store(f"sqlite:///{tmp_path / 'hub.db'}", tmp_path)
    yield store
    store.close()


@pytest.fixture
def notify_store_each(database_url: str, tmp_path: Path) -> Iterator[Store]:
    """:func:`people_store` on SQLite and on PostgreSQL."""
    store = people_store(database_url, tmp_path)
    yield store
    store.close()


@pytest.fixture
def db_hub(tmp_path: Path, broker: Broker, database_url: str) -> Iterator[RunningHub]:
    """A running hub on each kind of database (SQLite, PostgreSQL)."""
    running = RunningHub(hub_settings(tmp_path / "hub", broker.url, database_url=database_url))
    yield running
    running.stop()
