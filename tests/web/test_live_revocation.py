"""The live feed ends when its caller's right ends: sign-out, user removal, token revocation.

A real hub (real Mosquitto, real SQLite, uvicorn on loopback) streams an office's events to a
signed-in browser-like client or a token holder; after each way of ending the right, the test
waits for the stream to end (the event), with a loose bound: the design target of about a
second (RECHECK in hub/web/events.py) is a timing, not something a unit test asserts.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import httpx
import pytest

from hailong import contract
from hailong.topics import kiosk_topic
from hub.admin.accounts import Accounts
from tests.support import PASSWORD, PATIENCE, RawClient, RunningHub, sign_in, wait_until
from tests.support.hubdata import response

# Loose: the stream must end after the right ends, long before a heartbeat (15 s) would have.
ENDS_WITHIN = 10.0


class Stream:
    """The office's event stream read in a thread; ``ended`` is set when the hub closes it."""

    def __init__(self, client: httpx.Client, headers: dict[str, str] | None = None) -> None:
        self.opened = threading.Event()
        self.ended = threading.Event()
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(client, headers or {}),
                                        daemon=True)
        self._thread.start()
        assert self.opened.wait(PATIENCE), "the stream did not open"

    def _read(self, client: httpx.Client, headers: dict[str, str]) -> None:
        with client.stream("GET", "/api/v1/offices/ubnd-a/events", headers=headers,
                           timeout=httpx.Timeout(30, read=60)) as reply:
            assert reply.status_code == 200
            for line in reply.iter_lines():
                self.lines.append(line)
                if line.startswith("event: scores"):
                    self.opened.set()
        self.ended.set()


@pytest.fixture
def site(hub: RunningHub) -> Iterator[RunningHub]:
    raw = RawClient(hub.settings.mqtt.url)
    raw.publish(kiosk_topic("ubnd-a", "k01", "response"),
                contract.encode(response("ubnd-a", "k01", 1)))
    raw.close()
    wait_until(lambda: hub.hub.ingestor.counters.stored == 1, message="the office seen")
    Accounts(hub.hub.store.engine).add_user("lan", "head", ["ubnd-a"], PASSWORD)
    yield hub


def test_signing_out_ends_the_stream(site: RunningHub) -> None:
    with httpx.Client(base_url=site.url, timeout=30) as client:
        page = sign_in(client, "lan", PASSWORD)
        stream = Stream(client)
        assert not stream.ended.is_set()
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf
        with httpx.Client(base_url=site.url, cookies=client.cookies, timeout=30) as other:
            out = other.post("/signout", data={"csrf": csrf.group(1)})
        assert out.status_code == 303
        assert stream.ended.wait(ENDS_WITHIN), "the stream outlived the sign-out"


def test_removing_the_user_ends_the_stream(site: RunningHub) -> None:
    with httpx.Client(base_url=site.url, timeout=30) as client:
        sign_in(client, "lan", PASSWORD)
        stream = Stream(client)
        Accounts(site.hub.store.engine).remove_user("lan")  # as `hailong hub user remove` does
        assert stream.ended.wait(ENDS_WITHIN), "the stream outlived the user"


def test_revoking_the_token_ends_the_stream(site: RunningHub) -> None:
    accounts = Accounts(site.hub.store.engine)
    token = accounts.create_token("wallboard", "head", ["ubnd-a"])
    with httpx.Client(base_url=site.url, timeout=30) as client:
        stream = Stream(client, {"Authorization": f"Bearer {token}"})
        accounts.revoke_token("wallboard")  # as `hailong hub token revoke` does
        assert stream.ended.wait(ENDS_WITHIN), "the stream outlived the token"
