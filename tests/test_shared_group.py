"""A kiosk cannot take responses away from the hub workers' shared subscription.

Mosquitto runs deploy/'s production config and ACL; ``provision hub`` makes the hub's credentials
and the deployment's secret group; three hub workers share the responses through it. A hostile
kiosk (its own provisioned credentials, over TLS) subscribes to the documented group's filter,
to guessed groups and to every response; three other kiosks then send each response exactly
once (no resend): every one must reach the hub on that first send.
"""

from __future__ import annotations

import threading
from pathlib import Path

import paho.mqtt.client as mqtt

from hailong import contract
from hailong.broker import free_port
from hailong.hubgroup import GROUP_FILE, GROUP_VARIABLE, guessable
from hailong.provision import provision_kiosk, read_env_file
from hailong.settings import load_settings
from hailong.topics import kiosk_topic
from hub.settings import HubSettings
from tests.deploy_support import SecureDeployment, TlsClient
from tests.hubdata import response
from tests.support import RunningHub, wait_until, write_toml

# `deployment` (tests/conftest.py): the production broker of the deployment tests, with
# `provision hub` done.

WORKERS = 3
PER_KIOSK = 40
HOSTILE_FILTERS = ("$share/hailong/hailong/v1/+/+/response", "$share/hubs/hailong/v1/+/+/response",
                   "$share/hailong-hub/hailong/v1/#", "hailong/v1/+/+/response", "#")


def test_provisioning_makes_a_secret_group_once(deployment: SecureDeployment) -> None:
    group = read_env_file(deployment.folder / GROUP_FILE)[GROUP_VARIABLE]
    assert not guessable(group) and len(group) >= 40
    assert (deployment.folder / GROUP_FILE).stat().st_mode & 0o077 == 0
    from hailong.provision import provision_hub

    provision_hub(deployment.settings, deployment.folder / "hub-mqtt.env")  # new password
    assert read_env_file(deployment.folder / GROUP_FILE)[GROUP_VARIABLE] == group


def worker(deployment: SecureDeployment, tmp: Path, index: int, database: str) -> RunningHub:
    """A hub worker as hailong-hub@.service runs it: the loopback listener, the hub's user, the
    secret group from hub-group.env."""
    env = {**deployment.hub_env, **read_env_file(deployment.folder / GROUP_FILE)}
    config = write_toml(tmp / f"w{index}" / "hub.toml", (
        f'[hub]\nroster = "{deployment.settings.roster}"\nclient_id = "hailong-hub-{index}"\n'
        f'[http]\nhost = "127.0.0.1"\nport = {free_port()}\n'
        f'[mqtt]\nurl = "mqtt://127.0.0.1:{deployment.broker.port}"\n'
        f'[data]\ndir = "{tmp / f"w{index}"}"\n[database]\nurl = "{database}"\n'))
    return RunningHub(load_settings(HubSettings, config, env=env))


class Subscribed:
    """The hostile kiosk's SUBACK reason codes, as the broker answered them."""

    def __init__(self, client: mqtt.Client) -> None:
        self.codes: list[int] = []
        self.done = threading.Event()
        client.on_subscribe = self._on_subscribe

    def _on_subscribe(self, _c: object, _u: object, _mid: int, codes: list[mqtt.ReasonCode],
                      _p: object) -> None:
        self.codes = [c.value for c in codes]
        self.done.set()


def test_a_hostile_kiosk_takes_no_response_from_the_hub_workers(
        tmp_path: Path, deployment: SecureDeployment, database_url: str) -> None:
    bundles = [provision_kiosk(deployment.settings, "ubnd-a", f"k0{i}", str(i))
               for i in range(1, 5)]
    passwords = {b.username: load_settings_password(deployment, b.username) for b in bundles}
    workers = [worker(deployment, tmp_path, i, database_url) for i in range(WORKERS)]
    hostile = TlsClient(deployment, bundles[0].username, passwords[bundles[0].username])
    senders = [TlsClient(deployment, b.username, passwords[b.username]) for b in bundles[1:]]
    try:
        assert hostile.wait() and all(s.wait() for s in senders)
        suback = Subscribed(hostile.client)
        hostile.client.subscribe([(f, 1) for f in HOSTILE_FILTERS])
        assert suback.done.wait(10)  # the broker answered: whatever it granted takes nothing
        sent = 0
        for index, sender in enumerate(senders, start=2):
            for seq in range(1, PER_KIOSK + 1):
                document = response("ubnd-a", f"k0{index}", seq, answers={"overall": 4})
                sender.publish(kiosk_topic("ubnd-a", f"k0{index}", "response"),
                               contract.encode(document))
                sent += 1
        wait_until(lambda: sum(w.hub.ingestor.counters.stored for w in workers) == sent, 30,
                   message=f"all {sent} responses stored on their first send")
        shares = [w.hub.ingestor.counters.received for w in workers]
        assert sum(shares) == sent and all(s > 0 for s in shares), shares
        assert [t for t, _ in hostile.received() if t.endswith("/response")] == []
    finally:
        for client in (hostile, *senders):
            client.close()
        for running in workers:
            running.stop()


def load_settings_password(deployment: SecureDeployment, username: str) -> str:
    office, kiosk = username.split("/")
    bundle = Path(deployment.settings.bundles) / office / kiosk / "kiosk.toml"
    from kiosk.settings import KioskSettings

    settings = load_settings(KioskSettings, bundle, env={})
    return settings.mqtt.password.get_secret_value()
