"""The production ACL (deploy/mosquitto/acl) for the office results topic: a provisioned kiosk
reads its office's retained results, which the hub writes, and cannot write them itself."""

from __future__ import annotations

from pathlib import Path

from hailong import contract
from hailong.broker import free_port
from hailong.provision import provision_kiosk
from hailong.settings import load_settings
from hailong.topics import office_topic
from hub.settings import HubSettings
from kiosk.settings import KioskSettings
from tests.support import RunningHub, wait_until, write_toml
from tests.support.deploy import SecureDeployment, TlsClient


def test_a_kiosk_reads_its_offices_results_and_cannot_write_them(
        tmp_path: Path, deployment: SecureDeployment) -> None:
    bundle = provision_kiosk(deployment.settings, "ubnd-a", "k01", "1")
    kiosk = load_settings(KioskSettings, Path(deployment.settings.bundles) / "ubnd-a" / "k01" /
                          "kiosk.toml", env={"HAILONG_DATA_DIR": str(tmp_path / "kiosk")})
    config = write_toml(tmp_path / "hub" / "hub.toml", (
        f'[hub]\nroster = "{deployment.settings.roster}"\n\n'
        f'[http]\nhost = "127.0.0.1"\nport = {free_port()}\n\n'
        f'[mqtt]\nurl = "{deployment.broker.tls_url}"\nca_file = "{deployment.ca_file}"\n\n'
        f'[data]\ndir = "{tmp_path / "hub"}"\n'))
    hub = RunningHub(load_settings(HubSettings, config, env=deployment.hub_env))
    topic = office_topic("ubnd-a", "results")
    reader = TlsClient(deployment, bundle.username, kiosk.mqtt.password.get_secret_value())
    try:
        hub.hub.results.changed("ubnd-a")  # retained, under the hub's own user
        assert reader.wait()
        reader.subscribe(topic)
        wait_until(lambda: reader.received(topic), message="the retained results")
        document = contract.decode_document("results", reader.received(topic)[-1][1])
        assert document["office"] == "ubnd-a"
        forged = dict(document, satisfied=1.0, too_few=False, n=999)
        assert reader.publish(topic, contract.encode(forged)) == "Not authorized"
    finally:
        reader.close()
        hub.stop()
