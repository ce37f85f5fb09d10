"""Access to the API and the pages over real HTTP: tokens, sessions, CSRF, cookies, rate limit."""

from __future__ import annotations

import json
import os
import re
import signal
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hailong import contract
from hailong.broker import Broker
from hailong.topics import kiosk_topic
from hub.admin.accounts import Accounts
from tests.support import (
    PASSWORD,
    PATIENCE,
    PROMPTLY,
    RawClient,
    RunningHub,
    cli_token,
    hailong_cli,
    http_get,
    hub_settings,
    port_open,
    sign_in,
    wait_until,
)
from tests.support.hubdata import response


@pytest.fixture
def people(hub: RunningHub) -> Accounts:
    accounts = Accounts(hub.hub.store.engine)
    accounts.add_user("root", "admin", [], PASSWORD)
    accounts.add_user("lan", "head", ["ubnd-a"], PASSWORD)
    return accounts


@pytest.fixture
def client(hub: RunningHub) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=hub.url) as c:
        yield c


def publish(broker: Broker, hub: RunningHub, *offices: str) -> None:
    raw = RawClient(broker.url)
    before = hub.hub.ingestor.counters.stored
    for office in offices:
        raw.publish(kiosk_topic(office, "k01", "response"), contract.encode(response(office=office)))
    raw.close()
    wait_until(lambda: hub.hub.ingestor.counters.stored == before + len(offices),
               message="the responses stored")


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found
    return found.group(1)


def test_the_api_needs_a_token_or_a_session_and_healthz_stays_open(
        hub: RunningHub, people: Accounts, client: httpx.Client) -> None:
    reply = client.get("/api/v1/offices")
    assert reply.status_code == 401
    assert reply.headers["www-authenticate"].startswith("Bearer")
    assert reply.json()["error"]
    assert client.get("/api/v1/offices", headers={"Authorization": "Bearer hlt_wrong"}
                      ).status_code == 401
    assert client.get("/healthz").status_code == 200
    assert client.get("/").status_code == 303  # pages send you to the sign-in page
    assert client.get("/").headers["location"].startswith("/signin")
    assert sign_in(client, "root", PASSWORD).url.path == "/"
    assert client.get("/api/v1/offices").status_code == 200  # the session works on the API


def test_a_head_sees_only_its_offices_by_session_and_by_token(
        broker: Broker, hub: RunningHub, people: Accounts, client: httpx.Client) -> None:
    publish(broker, hub, "ubnd-a", "ubnd-b")
    sign_in(client, "lan", PASSWORD)
    assert [o["id"] for o in client.get("/api/v1/offices").json()["offices"]] == ["ubnd-a"]
    assert client.get("/api/v1/offices/ubnd-a/scores").status_code == 200
    denied = client.get("/api/v1/offices/ubnd-b/scores")
    assert denied.status_code == 403 and denied.json()["parameter"] == "office"
    assert client.get("/api/v1/offices/nowhere/scores").status_code == 403  # existence not leaked
    assert client.get("/api/v1/rejected").status_code == 403
    assert client.get("/offices/ubnd-a").status_code == 200
    page = client.get("/offices/ubnd-b")
    assert page.status_code == 403 and "không có quyền" in page.text
    assert client.get("/offices/ubnd-b/live").status_code == 403
    assert client.get("/api/v1/offices/ubnd-b/events").status_code == 403

    token = people.create_token("lan-script", "head", ["ubnd-b"])
    bearer = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=hub.url, headers=bearer) as script:
        assert script.get("/api/v1/offices/ubnd-b/scores").json()["responses"] == 1
        assert script.get("/api/v1/offices/ubnd-a/scores").status_code == 403
        assert [o["id"] for o in script.get("/api/v1/offices").json()["offices"]] == ["ubnd-b"]
        assert script.get("/offices/ubnd-b").status_code == 303  # pages are for people
    people.revoke_token("lan-script")
    assert client.get("/api/v1/offices/ubnd-b/scores", headers=bearer).status_code == 401


def test_an_admin_sees_every_office_and_unknown_ones_are_404(
        broker: Broker, hub: RunningHub, people: Accounts, client: httpx.Client) -> None:
    publish(broker, hub, "ubnd-a", "ubnd-b")
    sign_in(client, "root", PASSWORD)
    home = client.get("/")
    assert 'href="/offices/ubnd-a"' in home.text and 'href="/offices/ubnd-b"' in home.text
    assert client.get("/offices/nowhere").status_code == 404
    assert client.get("/api/v1/offices/nowhere/scores").status_code == 404
    assert client.get("/api/v1/rejected").status_code == 200


def test_a_head_sees_an_assigned_office_before_its_first_rating(
        hub: RunningHub, people: Accounts, client: httpx.Client) -> None:
    sign_in(client, "lan", PASSWORD)
    page = client.get("/offices/ubnd-a")
    assert page.status_code == 200 and 'id="responses-today" data-value="0"' in page.text


def test_cookies_are_httponly_samesite_and_not_secure_over_plain_http(
        hub: RunningHub, people: Accounts, client: httpx.Client) -> None:
    form = client.get("/signin")
    assert_cookie(form.headers["set-cookie"], "hailong_signin", secure=False, samesite="strict")
    reply = client.post("/signin", data={"csrf": csrf_of(form.text), "name": "root",
                                         "password": PASSWORD, "next": "/"})
    assert reply.status_code == 303
    session_cookie = next(c for c in reply.headers.get_list("set-cookie")
                          if c.startswith("hailong_session="))
    assert_cookie(session_cookie, "hailong_session", secure=False, samesite="lax")


def assert_cookie(header: str, name: str, secure: bool, samesite: str) -> None:
    parts = [p.strip().lower() for p in header.split(";")]
    assert parts[0].startswith(name + "=")
    assert "httponly" in parts
    assert f"samesite={samesite}" in parts
    assert ("secure" in parts) is secure
    assert "path=/" in parts


def test_cookies_are_secure_over_tls(tmp_path: Path, broker: Broker) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    settings = hub_settings(tmp_path / "hub", broker.url)
    settings = settings.model_copy(update={"http": settings.http.model_copy(
        update={"tls_cert": str(cert), "tls_key": str(key)})})
    running = RunningHub(settings)
    try:
        assert running.url.startswith("https://")
        Accounts(running.hub.store.engine).add_user("root", "admin", [], PASSWORD)
        with httpx.Client(base_url=running.url,
                          verify=ssl.create_default_context(cafile=str(cert))) as client:
            form = client.get("/signin")
            assert_cookie(form.headers["set-cookie"], "hailong_signin", secure=True,
                          samesite="strict")
            reply = client.post("/signin", data={"csrf": csrf_of(form.text), "name": "root",
                                                 "password": PASSWORD, "next": "/"})
            session_cookie = next(c for c in reply.headers.get_list("set-cookie")
                                  if c.startswith("hailong_session="))
            assert_cookie(session_cookie, "hailong_session", secure=True, samesite="lax")
    finally:
        running.stop()


def test_forms_without_their_csrf_token_are_refused(
        hub: RunningHub, people: Accounts, client: httpx.Client) -> None:
    form = client.get("/signin")
    token = csrf_of(form.text)
    for data in ({"name": "root", "password": PASSWORD},
                 {"csrf": "forged-" + token[7:], "name": "root", "password": PASSWORD}):
        refused = client.post("/signin", data=data)
        assert refused.status_code == 403 and "hailong_session" not in refused.headers.get(
            "set-cookie", "")
        assert "Biểu mẫu đã hết hạn" in refused.text
    other_site = client.post("/signin", data={"csrf": token, "name": "root",
                                              "password": PASSWORD},
                             headers={"Origin": "http://evil.example"})
    assert other_site.status_code == 403

    assert sign_in(client, "root", PASSWORD).url.path == "/"
    assert client.post("/signout", data={}).status_code == 403
    assert client.get("/").status_code == 200  # still signed in
    session_csrf = csrf_of(client.get("/").text)
    assert client.post("/signout", data={"csrf": session_csrf}).status_code == 303
    assert client.get("/").status_code == 303  # signed out


def test_a_wrong_password_shows_the_form_again_and_failures_are_rate_limited(
        tmp_path: Path, broker: Broker) -> None:
    settings = hub_settings(tmp_path / "hub", broker.url,
                            web="signin_max_failures = 3\nsignin_window = 600")
    running = RunningHub(settings)
    try:
        Accounts(running.hub.store.engine).add_user("root", "admin", [], PASSWORD)
        with httpx.Client(base_url=running.url) as client:
            for _ in range(3):
                wrong = sign_in(client, "root", "not the password")
                assert wrong.status_code == 200 and wrong.url.path == "/signin"
                assert "Sai tên đăng nhập hoặc mật khẩu." in wrong.text
                assert 'value="root"' in wrong.text  # the name is kept
            locked = sign_in(client, "root", PASSWORD)  # even the right password now
            assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 500
            assert "thử lại sau 10 phút" in locked.text
            assert client.get("/api/v1/offices").status_code == 401
    finally:
        running.stop()


def test_pages_send_security_headers_and_switch_language(
        hub: RunningHub, people: Accounts, client: httpx.Client) -> None:
    form = client.get("/signin")
    policy = form.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert form.headers["x-frame-options"] == "DENY"
    assert '<html lang="vi">' in form.text and "Đăng nhập" in form.text
    english = client.get("/signin?lang=en")
    assert '<html lang="en">' in english.text and "Sign in" in english.text
    assert '<html lang="en">' in client.get("/signin").text  # remembered by a cookie
    for path in ("/static/dashboard.css", "/static/dashboard.js",
                 "/static/fonts/NotoSans-Regular.woff2", "/static/fonts/NotoSans-Bold.woff2"):
        assert client.get(path).status_code == 200, path


def test_the_cli_manages_users_and_prints_a_token_alone_on_the_last_line(
        hub: RunningHub) -> None:
    config = str(Path(hub.settings.data.dir) / "hub.toml")
    added = hailong_cli("hub", "user", "add", "Lan", "--role", "head", "--office", "ubnd-a",
                        "ubnd-c", "--office", "xa-moi", "--password-stdin", "--config", config,
                        input_text=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    listed = hailong_cli("hub", "user", "list", "--config", config)
    assert re.search(r"^lan\s+head\s+ubnd-a, ubnd-c, xa-moi\s", listed.stdout, re.M)
    assert PASSWORD not in listed.stdout
    with httpx.Client(base_url=hub.url) as client:
        assert sign_in(client, "lan", PASSWORD).url.path == "/"
    again = hailong_cli("hub", "user", "add", "lan", "--role", "admin", "--password-stdin",
                        "--config", config, input_text=PASSWORD)
    assert again.returncode == 1 and "already exists" in again.stderr
    no_password = hailong_cli("hub", "user", "add", "minh", "--role", "admin", "--config", config,
                              input_text="")
    assert no_password.returncode == 2 and "--password-stdin" in no_password.stderr
    assert "Traceback" not in no_password.stderr

    created = hailong_cli("hub", "token", "create", "export", "--role", "head", "--office",
                          "ubnd-a", "--config", config)
    assert created.returncode == 0, created.stderr
    token = created.stdout.rstrip("\n").splitlines()[-1]
    assert re.fullmatch(r"hlt_[A-Za-z0-9_-]{43}", token)
    assert hub.get("/api/v1/offices", {"Authorization": f"Bearer {token}"})[0] == 200
    listed = hailong_cli("hub", "token", "list", "--config", config)
    assert "export" in listed.stdout and token not in listed.stdout
    assert hailong_cli("hub", "token", "revoke", "export", "--config", config).returncode == 0
    assert hub.get("/api/v1/offices", {"Authorization": f"Bearer {token}"})[0] == 401

    viewer = hailong_cli("hub", "user", "add", "ana", "--role", "viewer", "--province",
                         "dak-nong", "lam-dong", "--password-stdin", "--config", config,
                         input_text=PASSWORD + "\n")
    assert viewer.returncode == 0, viewer.stderr
    assert "viewer, every office of dak-nong, lam-dong" in viewer.stdout
    listed = hailong_cli("hub", "user", "list", "--config", config)
    assert re.search(r"^ana\s+viewer\s+every office of dak-nong, lam-dong\s", listed.stdout, re.M)
    refused = hailong_cli("hub", "token", "create", "sheet", "--role", "viewer", "--config",
                          config)
    assert refused.returncode == 1 and "--province" in refused.stderr
    created = hailong_cli("hub", "token", "create", "sheet", "--role", "viewer", "--province",
                          "dak-nong", "--config", config)
    token = created.stdout.rstrip("\n").splitlines()[-1]
    code, provinces = hub.get("/api/v1/provinces", {"Authorization": f"Bearer {token}"})
    assert code == 200 and set(provinces["provinces"]) <= {"dak-nong"}

    assert hailong_cli("hub", "user", "remove", "lan", "--config", config).returncode == 0
    gone = hailong_cli("hub", "user", "remove", "lan", "--config", config)
    assert gone.returncode == 1 and "no user 'lan'" in gone.stderr


def test_the_events_stream_sends_todays_scores_at_once_and_after_each_rating(
        broker: Broker, hub: RunningHub, people: Accounts) -> None:
    publish(broker, hub, "ubnd-a")
    token = people.create_token("wall-display", "head", ["ubnd-a"])
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=hub.url, headers=headers, timeout=PATIENCE) as client, \
            client.stream("GET", "/api/v1/offices/ubnd-a/events") as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        events = stream.iter_lines()

        def next_document() -> dict[str, object]:
            for line in events:
                if line.startswith("data: "):
                    return dict(json.loads(line.removeprefix("data: ")))
            raise AssertionError("the stream ended")

        first = next_document()
        assert first["office"] == "ubnd-a" and first["responses"] == 1
        publish(broker, hub, "ubnd-a")
        # The first rating's own republish may still come first (the stream opened before it);
        # the hub sends one document per office per second at most, the second rating's later.
        later = next_document()
        while later["responses"] == 1:
            later = next_document()
        assert later["responses"] == 2
        contract.validate("scores", later)


def test_the_first_event_is_the_api_document_of_the_same_office_and_moment(
        broker: Broker, hub: RunningHub, people: Accounts) -> None:
    """One source of scores: the live page's first event and ``GET …/scores`` for the same day,
    with no rating in between, are the same document (both from ``Documents``)."""
    publish(broker, hub, "ubnd-a")
    token = people.create_token("wall-display-same", "head", ["ubnd-a"])
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=hub.url, headers=headers, timeout=PATIENCE) as client, \
            client.stream("GET", "/api/v1/offices/ubnd-a/events") as stream:
        first = next(json.loads(line.removeprefix("data: ")) for line in stream.iter_lines()
                     if line.startswith("data: "))
    day = first["from"]
    status, document = hub.get(f"/api/v1/offices/ubnd-a/scores?from={day}&to={day}", headers)
    assert status == 200
    assert first == document
    # the API's full document, not a thinner one: factors, flags and the response rate too
    assert {"factors", "flags", "response_rate", "channels"} <= set(first)


def test_the_hub_stops_promptly_while_live_pages_are_listening(tmp_path: Path,
                                                                 broker: Broker) -> None:
    settings = hub_settings(tmp_path, broker.url, client_id="hailong-hub-sse-stop")
    config = tmp_path / "hub.toml"
    token = cli_token(config)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAILONG_")}
    process = subprocess.Popen([sys.executable, "-m", "hailong", "hub", "run", "--config",
                                str(config)], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{settings.http.port}"
    try:
        wait_until(lambda: port_open(settings.http.port), message="the hub")
        publish_raw(broker, "ubnd-a")
        wait_until(lambda: http_get(url + "/api/v1/offices/ubnd-a/scores",
                                    {"Authorization": f"Bearer {token}"})[0] == 200,
                   message="the office known")
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"},
                          timeout=PATIENCE) as client, \
                client.stream("GET", "/api/v1/offices/ubnd-a/events") as stream:
            lines = stream.iter_lines()
            assert any(line.startswith("data: ") for line in lines)  # the first document
            started = time.monotonic()
            process.send_signal(signal.SIGTERM)
            for _ in lines:  # the stream ends instead of hanging
                pass
            assert process.wait(PATIENCE) == 0
            assert time.monotonic() - started < PROMPTLY, "the hub waited for the open stream"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    output = process.stdout.read() if process.stdout else ""
    assert "Traceback" not in output and "Cancel" not in output, output


def publish_raw(broker: Broker, office: str) -> None:
    raw = RawClient(broker.url)
    raw.publish(kiosk_topic(office, "k01", "response"), contract.encode(response(office=office)))
    raw.close()
