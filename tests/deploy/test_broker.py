"""The production broker (deploy/mosquitto/) for real: TLS, passwords, per-kiosk ACL, queue limits."""

from __future__ import annotations

import json
import re
import stat
from datetime import datetime, timedelta
from pathlib import Path

from hailong import contract
from hailong.pilotca import make_pilot_ca
from hailong.provision import provision_kiosk
from hailong.settings import load_settings
from hailong.topics import HUB_STATUS_FILTER, hub_status_topic, kiosk_topic
from kiosk.recorder import Draft, ResponseDesk
from kiosk.settings import KioskSettings
from tests.support import PATIENCE, hailong_cli, wait_until
from tests.support.deploy import (
    PRODUCTION_CONF,
    SecureDeployment,
    TlsClient,
    secure_hub,
    write_provision_toml,
)
from tests.support.hubdata import response


def bundle_settings(deployment: SecureDeployment, office: str, kiosk: str, data: Path
                    ) -> KioskSettings:
    bundle = Path(deployment.settings.bundles) / office / kiosk
    return load_settings(KioskSettings, bundle / "kiosk.toml", env={"HAILONG_DATA_DIR": str(data)})


def rating(overall: int) -> Draft:
    now = datetime.now().astimezone()
    return Draft(answers={"overall": overall}, trigger="tap", lang="vi",
                 started_at=now - timedelta(seconds=10), submitted_at=now, complete=True)


def test_a_provisioned_kiosk_and_the_hub_work_end_to_end_over_tls(
        tmp_path: Path, deployment: SecureDeployment) -> None:
    config = write_provision_toml(deployment.settings, tmp_path / "provision.toml")
    result = hailong_cli("provision", "kiosk", "--config", str(config), "--office", "ubnd-a",
                         "--kiosk", "k01", "--counter", "Quầy 3")
    assert result.returncode == 0, result.stderr
    settings = bundle_settings(deployment, "ubnd-a", "k01", tmp_path / "kiosk")
    password = settings.mqtt.password.get_secret_value()
    assert len(password) >= 32
    assert password not in result.stdout + result.stderr
    assert (settings.mqtt.url, settings.mqtt.username) == (deployment.broker.tls_url, "ubnd-a/k01")
    assert password not in (Path(deployment.settings.password_file)).read_text()

    hub = secure_hub(deployment, tmp_path / "hub")
    service = ResponseDesk(settings, "sipas@1")
    service.start()
    try:
        stored = service.submit(rating(5))
        wait_until(lambda: service.outbox.stats().depth == 0, message="the hub's ack over TLS")
        status, scores = hub.get("/api/v1/offices/ubnd-a/scores")
        assert status == 200 and scores["responses"] == 1
        assert scores["questions"]["overall"]["dist"] == [0, 0, 0, 0, 1]
        assert hub.hub.store.read.response_ids("ubnd-a") == [stored["id"]]
    finally:
        service.stop()
        hub.stop()
    assert "ubnd-a/k01" in deployment.broker.log()  # it really came over the TLS listener


def test_anonymous_wrong_password_and_unknown_users_are_refused(
        tmp_path: Path, deployment: SecureDeployment) -> None:
    bundle = provision_kiosk(deployment.settings, "ubnd-a", "k01", "1")
    good = bundle_settings(deployment, "ubnd-a", "k01", tmp_path).mqtt.password.get_secret_value()
    hub_user = deployment.hub_env["HAILONG_MQTT_USERNAME"]
    for username, password, tls in [(None, None, True), ("ubnd-a/k01", "wrong", True),
                                    ("ubnd-a/k09", good, True), (None, None, False),
                                    (hub_user, "wrong", False), ("ubnd-a/k01", "", True)]:
        client = TlsClient(deployment, username, password, tls=tls)
        assert not client.wait(), (username, tls)
        assert client.refused == "Not authorized", (username, tls, client.refused)
        client.close()
    allowed = TlsClient(deployment, bundle.username, good)
    assert allowed.wait()
    allowed.close()
    # The hub as deploy/hub/hub.toml connects it: its own credentials on the loopback listener.
    hub = TlsClient(deployment, hub_user, deployment.hub_env["HAILONG_MQTT_PASSWORD"], tls=False,
                    client_id="hailong-hub")
    assert hub.wait()
    hub.close()

    # A kiosk only trusts a broker whose certificate the deployment's CA signed.
    impostor = make_pilot_ca(tmp_path / "other-ca", ["127.0.0.1"])
    client = TlsClient(deployment, bundle.username, good, ca_file=impostor.ca_cert)
    assert not client.wait()
    assert "CERTIFICATE_VERIFY_FAILED" in str(client.refused)


def test_kiosk_a_can_neither_publish_as_kiosk_b_nor_read_its_acks_or_config(
        tmp_path: Path, deployment: SecureDeployment) -> None:
    a = provision_kiosk(deployment.settings, "ubnd-a", "k01", "1")
    provision_kiosk(deployment.settings, "ubnd-a", "k02", "2")
    a_password = bundle_settings(deployment, "ubnd-a", "k01", tmp_path).mqtt.password
    b_configs: list[bytes] = []
    b_settings = bundle_settings(deployment, "ubnd-a", "k02", tmp_path / "b")
    b_service = ResponseDesk(b_settings, "sipas@1", on_config=b_configs.append)
    hub = secure_hub(deployment, tmp_path / "hub")
    intruder = TlsClient(deployment, a.username, a_password.get_secret_value())
    try:
        assert intruder.wait()
        intruder.subscribe(kiosk_topic("ubnd-a", "k02", "ack"), kiosk_topic("ubnd-a", "k02", "config"),
                           "hailong/v1/#", kiosk_topic("ubnd-a", "k01", "ack"))
        forged = response(office="ubnd-a", kiosk="k02", overall=1)
        intruder.publish(kiosk_topic("ubnd-a", "k02", "response"), contract.encode(forged))
        own = response(office="ubnd-a", kiosk="k01", overall=4)
        intruder.publish(kiosk_topic("ubnd-a", "k01", "response"), contract.encode(own))

        b_service.start()
        b_stored = b_service.submit(rating(2))
        wait_until(lambda: b_service.outbox.stats().depth == 0, message="B's ack")
        hub.hub.subscriber.publish(kiosk_topic("ubnd-a", "k02", "config"), b'{"v": 1}', retain=True)
        wait_until(lambda: b_configs, message="B's config")
        wait_until(lambda: intruder.received(kiosk_topic("ubnd-a", "k01", "ack")),
                   message="A's own ack (the control)")

        assert sorted(hub.hub.store.read.response_ids("ubnd-a")) == sorted([own["id"], b_stored["id"]])
        assert forged["id"] not in hub.hub.store.read.response_ids()
        assert all("/k02/" not in topic for topic, _ in intruder.received()), intruder.received()
        acks_to_a = [json.loads(p) for _, p in intruder.received(kiosk_topic("ubnd-a", "k01", "ack"))]
        assert any(own["id"] in ack["ids"] for ack in acks_to_a)
        assert all(forged["id"] not in ack["ids"] for ack in acks_to_a)
    finally:
        intruder.close()
        b_service.stop()
        hub.stop()


def test_a_revoked_kiosk_is_cut_off_and_refused(tmp_path: Path, deployment: SecureDeployment
                                               ) -> None:
    config = write_provision_toml(deployment.settings, tmp_path / "provision.toml")
    bundle = provision_kiosk(deployment.settings, "ubnd-a", "k01", "1")
    provision_kiosk(deployment.settings, "ubnd-b", "k01", "1")
    password = bundle_settings(deployment, "ubnd-a", "k01", tmp_path).mqtt.password
    connected = TlsClient(deployment, bundle.username, password.get_secret_value())
    assert connected.wait()

    ambiguous = hailong_cli("provision", "revoke", "--config", str(config), "--kiosk", "k01")
    assert ambiguous.returncode == 1
    assert "several offices (ubnd-a, ubnd-b): add --office" in ambiguous.stderr
    assert "Traceback" not in ambiguous.stderr

    result = hailong_cli("provision", "revoke", "--config", str(config), "--kiosk", "k01",
                         "--office", "ubnd-a")
    assert result.returncode == 0, result.stderr
    assert "revoked ubnd-a/k01" in result.stdout
    assert connected.disconnected.wait(PATIENCE), "the broker must drop a revoked kiosk's session"
    connected.close()
    again = TlsClient(deployment, bundle.username, password.get_secret_value())
    assert not again.wait() and again.refused == "Not authorized"
    again.close()
    users = Path(deployment.settings.password_file).read_text()
    assert "ubnd-a/k01:" not in users and "ubnd-b/k01:" in users
    roster = Path(deployment.settings.roster).read_text()
    assert 'office = "ubnd-a"' not in roster and 'office = "ubnd-b"' in roster
    assert not bundle.folder.exists()


def _listeners(conf: str) -> list[tuple[str, list[str]]]:
    """Each listener line with the option lines of its block."""
    blocks: list[tuple[str, list[str]]] = []
    for line in conf.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("listener "):
            blocks.append((line, []))
        elif blocks:
            blocks[-1][1].append(line.split()[0])
    return blocks


def test_only_tls_faces_the_network_and_the_plain_listener_is_loopback_only(
        deployment: SecureDeployment) -> None:
    conf = PRODUCTION_CONF.read_text()
    listeners = _listeners(conf)
    plain = [line for line, options in listeners if "certfile" not in options]
    tls = [line for line, options in listeners if "certfile" in options]
    assert plain == ["listener 1883 127.0.0.1"]
    assert tls == ["listener 8883"]
    assert re.search(r"^allow_anonymous false$", conf, re.MULTILINE)
    assert re.search(r"^per_listener_settings false$", conf, re.MULTILINE)
    assert not re.search(r"^(port|bind_address|listener \d+ (0\.0\.0\.0|::))\b", conf, re.MULTILINE)

    # The running broker: the plain port is bound to 127.0.0.1, nowhere else.
    bound = _bound_addresses(deployment.broker.port)
    assert bound == {"127.0.0.1"}, bound


def _bound_addresses(port: int) -> set[str]:
    found: set[str] = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.split(":")
            if state != "0A" or int(port_hex, 16) != port:  # 0A: LISTEN
                continue
            if width == 8:
                found.add(".".join(str(b) for b in reversed(bytes.fromhex(address))))
            else:
                found.add("::" if int(address, 16) == 0 else address)
    return found


def test_the_broker_keeps_far_more_than_mosquittos_default_1000_for_an_absent_hub(
        tmp_path: Path, deployment: SecureDeployment) -> None:
    count = 3000  # three times Mosquitto's default queue, across a broker restart
    provision_kiosk(deployment.settings, "ubnd-a", "k01", "1")
    password = bundle_settings(deployment, "ubnd-a", "k01", tmp_path).mqtt.password
    hub = secure_hub(deployment, tmp_path / "hub")
    hub.stop()  # its persistent session now waits in the broker

    kiosk = TlsClient(deployment, "ubnd-a/k01", password.get_secret_value())
    assert kiosk.wait()
    topic = kiosk_topic("ubnd-a", "k01", "response")
    infos = [kiosk.client.publish(topic, contract.encode(response(kiosk="k01", seq=seq)), qos=1)
             for seq in range(1, count + 1)]
    for info in infos:
        info.wait_for_publish(30)
    kiosk.close()
    deployment.broker.restart()  # the queue survives in the persistence file

    hub = secure_hub(deployment, tmp_path / "hub")
    try:
        wait_until(lambda: len(hub.hub.store.read.response_ids("ubnd-a")) >= count, 60,
                   message=f"all {count} queued responses")
        assert len(hub.hub.store.read.response_ids("ubnd-a")) == count
    finally:
        hub.stop()
    assert "dropped" not in deployment.broker.log().lower()


def test_bundle_files_are_private(tmp_path: Path, deployment: SecureDeployment) -> None:
    bundle = provision_kiosk(deployment.settings, "ubnd-a", "k01", "1")
    assert stat.S_IMODE(bundle.folder.stat().st_mode) == 0o700
    names = sorted(p.name for p in bundle.folder.iterdir())
    assert names == ["ca.crt", "kiosk.toml", "receipt.key"]
    for path in bundle.folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_kiosks_read_the_hubs_presence_hold_without_it_and_cannot_forge_it(
        tmp_path: Path, deployment: SecureDeployment) -> None:
    bundle = provision_kiosk(deployment.settings, "ubnd-a", "k01", "1")
    other = provision_kiosk(deployment.settings, "ubnd-a", "k02", "2")
    settings = bundle_settings(deployment, "ubnd-a", "k01", tmp_path / "kiosk")
    other_password = bundle_settings(deployment, "ubnd-a", "k02", tmp_path / "k02").mqtt.password
    topic = hub_status_topic("hailong-hub")
    hub = secure_hub(deployment, tmp_path / "hub")
    hub.stop()  # "offline", retained, written under the hub's own user
    service = ResponseDesk(settings, "sipas@2")
    service.start()
    intruder = TlsClient(deployment, other.username, other_password.get_secret_value())
    try:
        wait_until(lambda: not service.delivery.hub_online, message="the hub's absence")
        stored = service.submit(rating(4))
        assert intruder.wait()
        # refused by the ACL: the broker says so, and nothing reached the kiosk
        answer = intruder.publish(topic, contract.encode({"v": 1, "state": "online"}))
        assert answer == "Not authorized", answer
        assert not service.delivery.hub_online and service.delivery.sent == 0
        hub = secure_hub(deployment, tmp_path / "hub")
        wait_until(lambda: service.outbox.stats().depth == 0, message="delivery on return")
        assert hub.hub.store.read.response_ids("ubnd-a") == [stored["id"]]
        hub.stop()
    finally:
        intruder.close()
        service.stop()
    watcher = TlsClient(deployment, bundle.username, settings.mqtt.password.get_secret_value())
    assert watcher.wait()
    watcher.subscribe(HUB_STATUS_FILTER)
    assert [json.loads(p)["state"] for _, p in watcher.received(topic)] == ["offline"]
    watcher.close()
