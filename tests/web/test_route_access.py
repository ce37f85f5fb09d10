"""Every route of the hub's own route table × role × method gets the status it must, and every
cookie-authenticated write needs the session's CSRF token or a same-origin Origin.

The routes are read from the running app (``hub.app.routes``), so a route added later is tested
without anyone listing it. Roles: nobody, the head of another office, the office's head, a
province viewer of the office's province and one of another, an admin. A real hub (real
Mosquitto, real SQLite, uvicorn on loopback), real HTTP.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from starlette.routing import Route

from hailong import contract
from hailong.broker import Broker
from hailong.topics import kiosk_topic
from hub.admin.accounts import Accounts
from hub.web.access import admin_only, province_only
from hub.web.csrf import CSRF_HEADER
from tests.support import PASSWORD, RawClient, RunningHub, hub_settings, sign_in, wait_until, write_toml
from tests.support.hubdata import response

ROSTER = """
[[offices]]
id = "ubnd-a"
province = "dak-nong"

[[offices]]
id = "ubnd-b"
province = "dak-nong"

[[kiosks]]
office = "ubnd-a"
id = "k01"
counter = "1"
"""
PARAMS = {"office": "ubnd-a", "kiosk": "k01", "alert_id": "999", "import_id": "999",
          "province": "dak-nong", "action_id": "999", "token": "not-a-link"}
OPEN = {"/healthz", "/openapi.json", "/signin"}
# Served to everyone without sign-in where [public] enabled = true; off here (the default), so
# every role, nobody included, gets 404 (tests/web/test_actions_public.py has it on).
PUBLIC_OFF = {"/public/{province}"}
# The phone questionnaire (docs/web-channel.md): public, the signed link is the credential;
# its forms carry their own CSRF token (test_the_public_forms_answer_everyone_alike).
PUBLIC = {"/r/{token}", "/p/{token}"}
# Only an admin, or a linker token of the office (tested below), makes phone links.
LINKS = "/api/v1/links"
# nobody, the head of another office, the office's head, a viewer of the office's province,
# a viewer of another province, an admin
ROLES = ("none", "other", "head", "viewer", "far", "admin")
VIEWERS = ("viewer", "far")
WRITES = ("POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Call:
    method: str
    template: str

    @property
    def path(self) -> str:
        return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: PARAMS[m.group(1)], self.template)

    @property
    def api(self) -> bool:
        return self.template.startswith("/api/")

    def must_refuse(self, role: str) -> bool:
        """Whether ``role`` must get 403 (a head or viewer outside its rights)."""
        if role == "admin":
            return False
        if admin_only(self.path) or self.template == LINKS:
            return True
        if role in VIEWERS:  # reads its province's offices and rankings, writes nothing
            if self.api and self.method in WRITES:
                return True
            named = "{office}" in self.template or "{province}" in self.template
            return role == "far" and named
        return province_only(self.path) or (role == "other" and "{office}" in self.template)


def routes_of(routes: list[object]) -> Iterator[Route]:
    """The app's routes, those of included routers too (FastAPI may keep them as a router)."""
    for route in routes:
        if isinstance(route, Route):
            yield route
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from routes_of(included.routes)


def route_table(app: object) -> list[Call]:
    calls = []
    for route in routes_of(app.routes):  # type: ignore[attr-defined]
        if route.methods:
            calls += [Call(m, route.path) for m in sorted(route.methods) if m != "HEAD"]
    return calls


@dataclass
class Site:
    hub: RunningHub
    calls: list[Call]
    clients: dict[str, httpx.Client]
    tokens: dict[str, str]  # the session's CSRF token per signed-in role


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    from tests.support import mosquitto_available, require

    require("Mosquitto", mosquitto_available(), "sudo apt-get install -y mosquitto")
    tmp = tmp_path_factory.mktemp("routes")
    broker = Broker(tmp / "broker").start()
    roster = write_toml(tmp / "roster.toml", ROSTER)
    running = RunningHub(hub_settings(tmp / "hub", broker.url, roster=str(roster),
                                      client_id="hailong-hub-routes"))
    clients: dict[str, httpx.Client] = {}
    try:
        accounts = Accounts(running.hub.store.engine)
        accounts.add_user("root", "admin", [], PASSWORD)
        accounts.add_user("lan", "head", ["ubnd-a"], PASSWORD)
        accounts.add_user("binh", "head", ["ubnd-b"], PASSWORD)
        accounts.add_user("ana", "viewer", [], PASSWORD, ["dak-nong"])
        accounts.add_user("tam", "viewer", [], PASSWORD, ["lam-dong"])
        raw = RawClient(broker.url)
        for office in ("ubnd-a", "ubnd-b"):
            raw.publish(kiosk_topic(office, "k01", "response"), contract.encode(
                response(office, "k01", 1, at=datetime.now(UTC) - timedelta(seconds=5))))
        raw.close()
        wait_until(lambda: running.hub.ingestor.counters.stored == 2, message="ratings")
        tokens = {}
        for role, user in (("other", "binh"), ("head", "lan"), ("viewer", "ana"), ("far", "tam"),
                           ("admin", "root")):
            client = httpx.Client(base_url=running.url, timeout=30)
            page = sign_in(client, user, PASSWORD)
            found = re.search(r'name="csrf" value="([^"]+)"', page.text)
            assert found, "the signed-in page carries the session's CSRF token"
            clients[role], tokens[role] = client, found.group(1)
        clients["none"] = httpx.Client(base_url=running.url, timeout=30)
        yield Site(running, route_table(running.hub.app), clients, tokens)
    finally:
        for client in clients.values():
            client.close()
        running.stop()
        broker.stop()


def test_the_route_table_holds_every_kind_of_route(site: Site) -> None:
    templates = {c.template for c in site.calls}
    for expected in ("/offices/{office}/period", "/offices/{office}/report",
                     "/offices/{office}/report.csv", "/offices/{office}/report.xlsx",
                     "/offices/{office}/report.docx", "/offices/{office}/report.pdf",
                     "/provinces/{province}/report.docx", "/provinces/{province}/report.pdf",
                     "/offices/{office}/channels", "/api/v1/offices/{office}/dossiers",
                     "/api/v1/offices/{office}/alerts/{alert_id}/close", "/api/v1/surveys",
                     "/provinces/{province}/report", "/provinces/{province}/report.csv",
                     "/provinces/{province}/report.xlsx", "/api/v1/provinces/{province}/report",
                     "/api/v1/offices/{office}/alerts/{alert_id}/ack", "/offices/{office}/alerts",
                     "/offices/{office}/alerts/live", "/offices/{office}/alerts/{alert_id}/ack",
                     "/offices/{office}/alerts/{alert_id}/close",
                     "/offices/{office}/actions", "/offices/{office}/actions/{action_id}",
                     "/offices/{office}/actions.csv", "/offices/{office}/actions.xlsx",
                     "/api/v1/offices/{office}/actions",
                     "/api/v1/offices/{office}/actions/{action_id}", "/public/{province}"):
        assert expected in templates
    assert len([c for c in site.calls if "{office}" in c.template and c.api]) >= 10


def status_of(site: Site, role: str, call: Call, headers: dict[str, str] | None = None,
              data: dict[str, str] | None = None) -> httpx.Response:
    return site.clients[role].request(call.method, call.path, headers=headers or {},
                                      data=data)


@pytest.mark.parametrize("role", ROLES)
def test_every_read_answers_as_the_role_allows(site: Site, role: str) -> None:
    wrong = []
    for call in (c for c in site.calls if c.method == "GET" and c.template not in OPEN | PUBLIC):
        if call.template.endswith("/events"):
            continue  # a stream: its access is the API's, checked with a bearer in its tests
        reply = status_of(site, role, call)
        if call.template in PUBLIC_OFF:
            ok = reply.status_code == 404
        elif role == "none":
            ok = reply.status_code == 401 if call.api else (
                reply.status_code == 303 and reply.headers["location"].startswith("/signin"))
        elif call.must_refuse(role):
            ok = reply.status_code == 403
        else:
            ok = reply.status_code not in (401, 403) and reply.status_code < 500
        if not ok:
            wrong.append((call.method, call.path, reply.status_code))
    assert wrong == []


@pytest.mark.parametrize("role", ROLES)
def test_every_cookie_write_needs_the_csrf_token_or_a_same_origin(site: Site, role: str) -> None:
    wrong = []
    writes = [c for c in site.calls if c.method in WRITES and c.template != "/signin"
              and c.template not in PUBLIC]
    for call in writes:
        bare = status_of(site, role, call)
        if role == "none":
            ok = bare.status_code == 401 if call.api else bare.status_code == 303
            if not ok:
                wrong.append(("bare", call.method, call.path, bare.status_code))
            continue
        token = site.tokens[role]
        foreign = status_of(site, role, call, {"Origin": "http://127.0.0.1:1", CSRF_HEADER: token},
                            {"csrf": token})
        for name, reply in (("bare", bare), ("foreign", foreign)):
            if reply.status_code != 403:
                wrong.append((name, call.method, call.path, reply.status_code))
        if not call.api or call.template == "/signout":
            continue  # the forms' own token is tested with the pages (test_dashboard_http.py)
        for name, headers in (("token", {CSRF_HEADER: token}),
                              ("origin", {"Origin": site.hub.url})):
            reply = status_of(site, role, call, headers)
            allowed = reply.status_code not in (401, 403) and reply.status_code < 500
            if allowed == call.must_refuse(role):
                wrong.append((name, call.method, call.path, reply.status_code))
    assert wrong == []


def test_bearer_writes_need_no_csrf_token(site: Site) -> None:
    wrong = []
    with httpx.Client(base_url=site.hub.url, headers=site.hub.auth, timeout=30) as client:
        for call in (c for c in site.calls if c.method in WRITES and c.api):
            reply = client.request(call.method, call.path)
            if reply.status_code in (401, 403) or reply.status_code >= 500:
                wrong.append((call.method, call.path, reply.status_code))
    assert wrong == []


def test_the_public_forms_answer_everyone_alike_and_need_their_own_csrf_token(site: Site) -> None:
    web = site.hub.hub.web
    assert web is not None
    templates = {c.template for c in site.calls}
    assert templates >= PUBLIC and LINKS in templates
    dossier = web.issue("ubnd-a", "1", None, "c" * 64).url.removeprefix(web.public_url)
    poster = web.poster_url("ubnd-a", "1").removeprefix(web.public_url)
    wrong = []
    for role in ROLES:
        client = site.clients[role]
        for path in (dossier, poster):
            page = client.get(path)
            if page.status_code != 200:
                wrong.append((role, "GET", path, page.status_code))
            found = re.search(r'name="state" value="([^"]+)"', page.text)
            state = found.group(1) if found else ""
            for name, data, headers in (
                    ("no token", {"state": state, "action": "send"}, {}),
                    ("foreign", {"state": state, "action": "send",
                                 "csrf": client.cookies.get("hailong_form") or ""},
                     {"Origin": "http://127.0.0.1:1"})):
                reply = client.post(path, data=data, headers=headers)
                if reply.status_code != 403:
                    wrong.append((role, name, path, reply.status_code))
        bogus = client.get("/r/not-a-link")
        if bogus.status_code != 404 or "không hợp lệ" not in bogus.text:
            wrong.append((role, "GET", "/r/not-a-link", bogus.status_code))
    assert wrong == []
    with site.hub.hub.store.engine.connect() as conn:
        assert conn.exec_driver_sql(
            "SELECT count(*) FROM responses WHERE channel != 'kiosk'").scalar() == 0


def test_a_linker_token_makes_links_for_its_offices_and_reads_nothing(site: Site) -> None:
    secret = Accounts(site.hub.hub.store.engine).create_token("mot-cua-a", "linker", ["ubnd-a"])
    reads = [c for c in site.calls if c.method == "GET" and c.api and c.template not in OPEN]
    with httpx.Client(base_url=site.hub.url, timeout=30,
                      headers={"Authorization": f"Bearer {secret}"}) as client:
        wrong = [(c.path, s) for c in reads if (s := client.get(c.path).status_code) != 403]
        made = client.post(LINKS, json={"office": "ubnd-a", "counter": "1", "h": "d" * 64})
        other = client.post(LINKS, json={"office": "ubnd-b", "counter": "1", "h": "d" * 64})
    assert wrong == []
    assert made.status_code == 200 and made.json()["url"].startswith(site.hub.url + "/r/")
    assert other.status_code == 403
