"""Sign-in behind the documented nginx: the hub sees each browser's address, and one address's
failures never lock out users at other addresses.

Debian's nginx runs the server block of docs/deploy.md as written (only the port, certificate
paths and the hub's port are replaced), with TLS, in front of a real ``hailong hub run``. The
browsers connect from different loopback addresses (127.0.0.2, .3, .4: Linux routes all of
127/8 to lo), so nginx sees each as a different client.
"""

from __future__ import annotations

import os
import re
import shutil
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hailong.broker import Broker, free_port
from hailong.pilotca import make_pilot_ca
from tests.support import PASSWORD, REPO, hailong_cli, port_open, require, sign_in, wait_until, write_toml

ATTACKER, LAN, ROOT = "127.0.0.2", "127.0.0.3", "127.0.0.4"


def nginx_binary() -> str | None:
    return shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK)
                                     else None)


def documented_server_block(port: int, hub_port: int, cert: Path, key: Path) -> str:
    """The nginx block of docs/deploy.md, on a free loopback port in front of the test's hub."""
    text = (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")
    block = re.search(r"```nginx\n(.*?)```", text, re.S)
    assert block, "docs/deploy.md lost its nginx block"
    server = block.group(1)
    for old, new in (("listen 443 ssl;", f"listen 127.0.0.1:{port} ssl;"),
                     ("/etc/ssl/hailong/fullchain.pem", str(cert)),
                     ("/etc/ssl/hailong/privkey.pem", str(key)),
                     ("http://127.0.0.1:8080", f"http://127.0.0.1:{hub_port}")):
        assert old in server, f"the documented nginx block has no {old!r}"
        server = server.replace(old, new)
    return server


@pytest.fixture
def proxied_hub(tmp_path: Path, broker: Broker) -> Iterator[tuple[str, Path, Path]]:
    """(https URL of nginx, its CA file, the hub's log) with users lan (head) and root."""
    nginx = nginx_binary()
    require("nginx", nginx is not None, "sudo apt-get install -y nginx-light")
    assert nginx is not None
    hub_port, port = free_port(), free_port()
    config = write_toml(tmp_path / "hub.toml", f'[hub]\nroster = ""\n[http]\nport = {hub_port}\n'
                        f'[mqtt]\nurl = "{broker.url}"\n[data]\ndir = "{tmp_path / "data"}"\n'
                        "[web]\nsignin_max_failures = 5\n")
    for user, role in (("lan", ["head", "--office", "ubnd-a"]), ("root", ["admin"])):
        done = hailong_cli("hub", "user", "add", user, "--role", *role, "--password-stdin",
                           "--config", str(config), input_text=PASSWORD + "\n")
        assert done.returncode == 0, done.stderr
    certs = make_pilot_ca(tmp_path / "tls", ["127.0.0.1"])
    run = tmp_path / "nginx"
    run.mkdir()
    user = "user root root;\n" if os.geteuid() == 0 else ""
    (run / "nginx.conf").write_text(
        f"{user}worker_processes 1;\npid {run}/nginx.pid;\nerror_log {run}/error.log;\n"
        "events { worker_connections 64; }\nhttp {\n  access_log off;\n"
        + "".join(f"  {kind}_temp_path {run}/{kind};\n" for kind in
                  ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        + documented_server_block(port, hub_port, certs.server_cert, certs.server_key) + "}\n")
    log = (tmp_path / "hub.log").open("w")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAILONG_")}
    hub = subprocess.Popen([sys.executable, "-m", "hailong", "hub", "run", "--config",
                            str(config)], stdout=log, stderr=subprocess.STDOUT, env=env)
    proxy = subprocess.Popen([nginx, "-p", str(run), "-c", str(run / "nginx.conf"), "-g",
                              "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_until(lambda: port_open(hub_port) or hub.poll() is not None, 30, message="the hub")
        wait_until(lambda: port_open(port) or proxy.poll() is not None, message="nginx")
        assert hub.poll() is None and proxy.poll() is None, (tmp_path / "run").as_posix()
        yield f"https://127.0.0.1:{port}", certs.ca_cert, tmp_path / "hub.log"
    finally:
        proxy.terminate()
        hub.terminate()
        proxy.wait(10)
        hub.wait(20)
        log.close()


def browser(url: str, ca: Path, address: str) -> httpx.Client:
    """A client connecting from ``address``: to nginx, a browser of its own."""
    transport = httpx.HTTPTransport(local_address=address,
                                    verify=ssl.create_default_context(cafile=str(ca)))
    return httpx.Client(base_url=url, transport=transport, timeout=30)


def test_one_address_guessing_never_locks_out_the_users_of_other_addresses(
        proxied_hub: tuple[str, Path, Path]) -> None:
    url, ca, log = proxied_hub
    with browser(url, ca, ATTACKER) as attacker:
        answers = [sign_in(attacker, name, "not the password").status_code
                   for name in ["lan"] * 6 + [f"user{i}" for i in range(20)]]
        assert answers[:5] == [200] * 5 and answers[5] == 429  # lan, at this address
        assert 429 in answers[6:]  # then the address itself
        assert sign_in(attacker, "lan", PASSWORD).status_code == 429  # even the right one
        spoofed = attacker.get("/signin")
        assert spoofed.status_code == 200
        attacker.headers["X-Forwarded-For"] = LAN  # nginx replaces it with the real address
        assert sign_in(attacker, "root", PASSWORD).status_code == 429
    for address, user in ((LAN, "lan"), (ROOT, "root")):
        with browser(url, ca, address) as client:
            signed = sign_in(client, user, PASSWORD)
            assert signed.status_code == 200 and signed.url.path == "/", (user, signed.text[:300])
            assert client.get("/api/v1/offices").status_code == 200
            assert any(c.secure for c in client.cookies.jar if c.name == "hailong_session")
    text = log.read_text(encoding="utf-8")
    assert f"from {ATTACKER}" in text and f"sign-in: lan (head) from {LAN}" in text
    assert "from 127.0.0.1" not in text
