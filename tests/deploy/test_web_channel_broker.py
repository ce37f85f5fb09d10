"""The web channel through the production broker (TLS, passwords, the ACL provisioning writes):
a kiosk's link request answered by the hub, the office's kiosks told a dossier is rated, and
nobody reading or forging another's link or notice."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from hailong import contract
from hailong.provision import provision_kiosk, revoke_kiosk
from hailong.settings import load_settings
from hailong.topics import kiosk_topic, office_topic
from kiosk.settings import KioskSettings
from tests.support import wait_until
from tests.support.deploy import SecureDeployment, TlsClient, secure_hub
from tests.support.web import Phone, receipt_h


def kiosk_client(deployment: SecureDeployment, office: str, kiosk: str, tmp: Path) -> TlsClient:
    bundle = Path(deployment.settings.bundles) / office / kiosk
    settings = load_settings(KioskSettings, bundle / "kiosk.toml", env={"HAILONG_DATA_DIR": str(tmp)})
    client = TlsClient(deployment, f"{office}/{kiosk}", settings.mqtt.password.get_secret_value())
    assert client.wait()
    return client


def test_a_kiosk_asks_for_a_link_and_hears_when_its_dossier_is_rated_on_a_phone(
        tmp_path: Path, deployment: SecureDeployment) -> None:
    for office, kiosk in (("ubnd-a", "k01"), ("ubnd-a", "k02"), ("ubnd-b", "k01")):
        provision_kiosk(deployment.settings, office, kiosk, "q1")
    acl = Path(deployment.settings.acl_file).read_text()
    assert "user ubnd-a/k01\ntopic read hailong/v1/ubnd-a/rated" in acl
    hub = secure_hub(deployment, tmp_path / "hub")
    a1 = kiosk_client(deployment, "ubnd-a", "k01", tmp_path / "a1")
    a2 = kiosk_client(deployment, "ubnd-a", "k02", tmp_path / "a2")
    b1 = kiosk_client(deployment, "ubnd-b", "k01", tmp_path / "b1")
    phone = Phone(hub.url)
    try:
        a1.subscribe(kiosk_topic("ubnd-a", "k01", "link"), office_topic("ubnd-a", "rated"))
        a2.subscribe(kiosk_topic("ubnd-a", "k01", "link"), office_topic("ubnd-a", "rated"))
        b1.subscribe(office_topic("ubnd-a", "rated"), office_topic("ubnd-b", "rated"))
        h = receipt_h("H21.65-221114-0007")
        request = str(uuid.uuid4())
        answer = a1.publish(kiosk_topic("ubnd-a", "k01", "link-request"),
                            contract.link_request_message(request, "q1", h, "result"))
        assert answer == "Success"
        wait_until(lambda: a1.received(kiosk_topic("ubnd-a", "k01", "link")),
                   message="the hub's link")
        link = contract.decode_link(a1.received(kiosk_topic("ubnd-a", "k01", "link"))[0][1])
        assert link.request == request and isinstance(link.url, str)
        assert link.url.startswith(hub.url + "/r/")

        # another kiosk may neither ask in k01's name nor forge the hub's notices
        forged = a2.publish(kiosk_topic("ubnd-a", "k01", "link-request"),
                            contract.link_request_message(str(uuid.uuid4()), "q1", h, None))
        assert forged == "Not authorized"
        assert a2.publish(office_topic("ubnd-a", "rated"),
                          contract.rated_message(h, None)) == "Not authorized"

        phone.open(link.url)
        phone.tap("answer:5")
        phone.tap("send")
        assert phone.heading() == "Cảm ơn Ông/Bà!"
        topic = office_topic("ubnd-a", "rated")
        wait_until(lambda: a1.received(topic) and a2.received(topic),
                   message="the rated notice at both kiosks of the office")
        assert json.loads(a1.received(topic)[0][1]) == {"v": 1, "h": h, "stage": "result"}

        # asked again, the hub says the dossier is rated; the other office heard nothing
        again = str(uuid.uuid4())
        a1.publish(kiosk_topic("ubnd-a", "k01", "link-request"),
                   contract.link_request_message(again, "q1", h, "result"))
        wait_until(lambda: len(a1.received(kiosk_topic("ubnd-a", "k01", "link"))) == 2,
                   message="the second answer")
        refused = contract.decode_link(a1.received(kiosk_topic("ubnd-a", "k01", "link"))[1][1])
        assert (refused.request, refused.error) == (again, "already-rated")
        assert b1.received() == []
        assert a2.received(kiosk_topic("ubnd-a", "k01", "link")) == []
    finally:
        phone.close()
        for client in (a1, a2, b1):
            client.close()
        hub.stop()

    revoke_kiosk(deployment.settings, "k02", "ubnd-a")
    acl = Path(deployment.settings.acl_file).read_text()
    assert "ubnd-a/k02" not in acl and "user ubnd-a/k01\n" in acl
