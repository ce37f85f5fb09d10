"""A browser write from another origin is refused; the dashboard's own origin may write.

Headless Chromium signs in to a real hub, then opens a page served from another port of the same
host: "same-site" for the browser, so SameSite=Lax still sends the session cookie with its
POST. That page posts to the API to close an open alert; the hub must refuse it (the alert stays
open). The same fetch from the hub's own page closes it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from hailong import contract
from hailong.topics import kiosk_topic
from hub.admin.accounts import Accounts
from tests.support import PASSWORD, RawClient, RunningHub, wait_until
from tests.support.hubdata import response

ATTACK = """<!doctype html><html><head><title>waiting</title></head><body><script>
fetch("%(target)s", {method: "POST", credentials: "include", mode: "no-cors",
                     body: '{"note": "closed by another site"}'})
  .then(() => { document.title = "sent"; }, (e) => { document.title = "failed " + e; });
</script></body></html>"""


@pytest.fixture
def foreign_site() -> Iterator[tuple[ThreadingHTTPServer, dict[str, str]]]:
    page: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = page["html"].encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, page
    server.shutdown()
    server.server_close()


def open_alert(hub: RunningHub) -> int:
    raw = RawClient(hub.settings.mqtt.url)
    at = datetime.now(UTC) - timedelta(seconds=10)
    for seq in range(1, 5):
        raw.publish(kiosk_topic("ubnd-a", "k01", "response"), contract.encode(
            response("ubnd-a", "k01", seq, counter="2", answers={"overall": 1}, at=at)))
    raw.close()
    wait_until(lambda: hub.hub.ingestor.counters.stored == 4, message="the ratings stored")
    alerts = wait_until(lambda: hub.get("/api/v1/offices/ubnd-a/alerts?state=open")[1]["alerts"],
                        message="an open alert")
    return int(alerts[0]["id"])


def still_open(hub: RunningHub) -> list[int]:
    return [a["id"] for a in hub.get("/api/v1/offices/ubnd-a/alerts?state=open")[1]["alerts"]]


def test_a_page_of_another_origin_cannot_write_with_the_session(
        hub: RunningHub, chromium: Any, foreign_site: tuple[ThreadingHTTPServer, dict[str, str]]
        ) -> None:
    Accounts(hub.hub.store.engine).add_user("lan", "head", ["ubnd-a"], PASSWORD)
    alert = open_alert(hub)
    target = f"{hub.url}/api/v1/offices/ubnd-a/alerts/{alert}/close"
    server, page_html = foreign_site
    page_html["html"] = ATTACK % {"target": target}
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto(hub.url + "/signin")
        page.fill("#name", "lan")
        page.fill("#password", PASSWORD)
        with page.expect_navigation():
            page.click("#signin-form button[type=submit]")
        refused: list[int] = []
        page.on("response", lambda r: refused.append(r.status) if r.url == target else None)
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
        page.wait_for_function("document.title !== 'waiting'")
        assert page.title() == "sent"
        wait_until(lambda: refused, message="the hub's answer to the foreign page")
        assert refused == [403]
        assert still_open(hub) == [alert]

        page.goto(hub.url + "/offices/ubnd-a")  # the dashboard's own origin may write
        status = page.evaluate("""async (target) => (await fetch(target, {method: "POST",
            credentials: "same-origin", body: '{"note": "done at the counter"}'})).status""",
                               target)
        assert status == 200
        assert still_open(hub) == []
    finally:
        context.close()
