"""Logs carry no forged lines and no typed secrets; request bodies are measured before reading.

A real hub (real Mosquitto, real SQLite, uvicorn on loopback): a kiosk's counter label with a
newline and an ANSI escape opens an alert, a sign-in is tried with a password typed as the user
name, and bodies over a route's limit are refused with 413 — with a Content-Length announcing
gigabytes that are never sent (a route reading first would wait for ever) and chunked.
"""

from __future__ import annotations

import logging
import socket
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from hailong import contract
from hailong.logsafe import EscapingFilter, printable, typed_name
from hailong.topics import kiosk_topic
from hub.admin.accounts import Accounts
from hub.web.bodies import DEFAULT_LIMIT, limit_for
from tests.support import RawClient, RunningHub, wait_until
from tests.support.hubdata import response

FORGED = "Quầy 1\n2026-01-01T00:00:00 CRITICAL hub: database wiped\x1b[2J\u202e"


def test_printable_escapes_controls_format_and_separators() -> None:
    assert printable("a\nb\r\tc\x1b[2J\x7f\u202e\u2028d") == \
        "a\\x0ab\\x0d\\x09c\\x1b[2J\\x7f\\u202e\\u2028d"
    assert printable("Quầy 1 — Đất đai") == "Quầy 1 — Đất đai"
    assert printable("x" * 300) == "x" * 200 + "…"
    assert typed_name("lan", True) == "lan"
    assert typed_name("Mật-khẩu 123!", False) == "<unknown name, 13 characters>"


def test_the_apps_log_filter_escapes_every_message() -> None:
    record = logging.LogRecord("hub", logging.WARNING, __file__, 1, "counter %s", (FORGED,), None)
    assert EscapingFilter().filter(record)
    assert "\n" not in record.getMessage() and "\x1b" not in record.getMessage()
    assert "\\x0a2026-01-01T00:00:00 CRITICAL" in record.getMessage()


def test_a_kiosk_label_with_a_newline_is_logged_on_one_line(
        hub: RunningHub, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    raw = RawClient(hub.settings.mqtt.url)
    at = datetime.now(UTC) - timedelta(seconds=10)
    for seq in range(1, 5):
        raw.publish(kiosk_topic("ubnd-a", "k01", "response"), contract.encode(response(
            "ubnd-a", "k01", seq, counter=FORGED, answers={"overall": 1}, at=at)))
    raw.close()
    lines = wait_until(lambda: [r.getMessage() for r in caplog.records
                                if r.name == "hub.scores.live" and "alert at" in r.getMessage()],
                       message="the alert's log line")
    assert "\n" not in lines[0] and "\x1b" not in lines[0] and "\u202e" not in lines[0]
    assert "Quầy 1\\x0a2026-01-01T00:00:00 CRITICAL hub: database wiped\\x1b[2J\\u202e" in lines[0]


def signin_form(client: httpx.Client) -> str:
    import re

    found = re.search(r'name="csrf" value="([^"]+)"', client.get("/signin").text)
    assert found
    return found.group(1)


def test_a_failed_sign_in_never_logs_the_name_as_typed(
        hub: RunningHub, caplog: pytest.LogCaptureFixture) -> None:
    Accounts(hub.hub.store.engine).add_user("lan", "head", ["ubnd-a"], "mật khẩu đủ dài")
    caplog.set_level(logging.INFO)
    typed = "Hunter2-mật khẩu\nINFO sign-in: root (admin)"
    with httpx.Client(base_url=hub.url, timeout=30) as client:
        for name in (typed, "lan"):
            reply = client.post("/signin", data={"csrf": signin_form(client), "name": name,
                                                 "password": "wrong password"})
            assert reply.status_code == 200
    refused = [r.getMessage() for r in caplog.records if r.name == "hub.web.pages"]
    assert len(refused) == 2
    assert "Hunter2" not in caplog.text and "hunter2" not in caplog.text
    assert f"<unknown name, {len(typed.strip())} characters>" in refused[0]
    assert "wrong password for lan" in refused[1]


def raw_request(port: int, head: str, body: bytes = b"") -> str:
    """Send ``head`` (and ``body``), return the status line and headers the hub answers."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head.encode() + body)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    return answer.decode("latin-1")


@pytest.mark.parametrize(("method", "path"), [
    ("PUT", "/api/v1/offices/ubnd-a/dossiers"), ("POST", "/api/v1/surveys"),
    ("POST", "/surveys"), ("POST", "/api/v1/offices/ubnd-a/alerts/1/close"),
    ("POST", "/api/v1/offices/ubnd-a/kiosks/k01/config"), ("POST", "/signin")])
def test_a_body_announced_over_the_limit_is_refused_before_it_is_sent(
        hub: RunningHub, method: str, path: str) -> None:
    head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {hub.token}"
            f"\r\nContent-Type: application/octet-stream\r\nContent-Length: {10 ** 10}\r\n\r\n")
    answer = raw_request(hub.settings.http.port, head, b"x" * 1000)
    assert answer.startswith("HTTP/1.1 413"), answer


def test_a_chunked_body_is_cut_off_at_the_limit(hub: RunningHub) -> None:
    limit = limit_for("POST", "/api/v1/surveys")

    def chunks() -> Any:
        for _ in range(limit // 65536 + 2):
            yield b"1" * 65536

    reply = httpx.post(f"{hub.url}/api/v1/surveys", headers=hub.auth, content=chunks(),
                       timeout=30)
    assert reply.status_code == 413
    assert reply.json() == {"error": f"the request body is over {limit} bytes",
                            "parameter": "body"}
    note = httpx.post(f"{hub.url}/api/v1/offices/ubnd-a/alerts/1/close", headers=hub.auth,
                      json={"note": "x" * (DEFAULT_LIMIT + 1)})
    assert note.status_code == 413
