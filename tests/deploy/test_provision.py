"""``hailong provision``: credentials through mosquitto_passwd, bundles, the pilot CA, clear errors."""

from __future__ import annotations

import logging
import shutil
import stat
from pathlib import Path

import pytest

from hailong.pilotca import make_pilot_ca
from hailong.provision import (
    ProvisionSection,
    provision_hub,
    provision_kiosk,
    read_env_file,
)
from hailong.settings import load_settings
from kiosk.settings import KioskSettings
from tests.support import hailong_cli, require
from tests.support.deploy import PRODUCTION_ACL, write_provision_toml


@pytest.fixture
def settings(tmp_path: Path) -> ProvisionSection:
    require("mosquitto_passwd", shutil.which("mosquitto_passwd") is not None,
            "sudo apt-get install -y mosquitto")
    made = make_pilot_ca(tmp_path / "broker", ["broker.example.vn"])
    shutil.copy(PRODUCTION_ACL, tmp_path / "broker" / "acl")
    return ProvisionSection(acl_file=str(tmp_path / "broker" / "acl"),
        broker_url="mqtts://broker.example.vn:8883", ca_file=str(made.ca_cert),
        password_file=str(tmp_path / "broker" / "passwd"), reload_broker="",
        roster=str(tmp_path / "roster.toml"), receipt_key_file=str(tmp_path / "usb" / "receipt.key"),
        bundles=str(tmp_path / "bundles"))


def _kiosk(bundle: Path) -> KioskSettings:
    return load_settings(KioskSettings, bundle / "kiosk.toml", env={})


def test_a_bundle_is_what_the_device_needs_and_secrets_stay_out_of_logs(
        settings: ProvisionSection, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    first = provision_kiosk(settings, "ubnd-a", "k01", "Quầy 3", scanner="/dev/hailong-scanner")
    second = provision_kiosk(settings, "ubnd-a", "k02", "Quầy \"4\"")
    assert first.key_created and not second.key_created
    a, b = _kiosk(first.folder), _kiosk(second.folder)
    assert (a.kiosk.office, a.kiosk.id, a.kiosk.counter) == ("ubnd-a", "k01", "Quầy 3")
    assert b.kiosk.counter == 'Quầy "4"'
    assert a.scanner.port == "/dev/hailong-scanner"
    assert a.mqtt.ca_file == "/etc/hailong/ca.crt"  # where install.sh puts it on the device
    assert a.kiosk.receipt_key_file == "/etc/hailong/receipt.key"
    key = Path(settings.receipt_key_file).read_text()
    assert (first.folder / "receipt.key").read_text() == key == (second.folder / "receipt.key").read_text()
    assert stat.S_IMODE(Path(settings.receipt_key_file).stat().st_mode) == 0o600
    passwords = [k.mqtt.password.get_secret_value() for k in (a, b)]
    assert passwords[0] != passwords[1]
    stored = Path(settings.password_file).read_text()
    assert stored.startswith("ubnd-a/k01:$7$") and "ubnd-a/k02:$7$" in stored
    for secret in [*passwords, key.strip()]:
        assert secret not in stored
        assert secret not in caplog.text
    roster = Path(settings.roster).read_text()
    assert 'id = "k01"' in roster and 'counter = "Quầy 3"' in roster


def test_provisioning_again_gives_new_credentials(settings: ProvisionSection) -> None:
    before = provision_kiosk(settings, "ubnd-a", "k01", "1")
    old = _kiosk(before.folder).mqtt.password.get_secret_value()
    old_hash = Path(settings.password_file).read_text()
    again = provision_kiosk(settings, "ubnd-a", "k01", "2")
    assert again.replaced and not before.replaced
    assert _kiosk(again.folder).mqtt.password.get_secret_value() != old
    assert Path(settings.password_file).read_text() != old_hash
    assert Path(settings.password_file).read_text().count("ubnd-a/k01:") == 1
    assert Path(settings.roster).read_text().count('id = "k01"') == 1


def test_the_cli_prints_where_the_secrets_are_never_the_secrets(
        tmp_path: Path, settings: ProvisionSection) -> None:
    config = write_provision_toml(settings, tmp_path / "provision.toml")
    result = hailong_cli("provision", "kiosk", "--config", str(config), "--office", "ubnd-a",
                         "--kiosk", "k01", "--counter", "3")
    assert result.returncode == 0, result.stderr
    bundle = Path(settings.bundles) / "ubnd-a" / "k01"
    assert f"copy it to the device, then delete it here): {bundle}\n" in result.stdout
    assert "created the deployment's receipt key" in result.stdout
    password = _kiosk(bundle).mqtt.password.get_secret_value()
    assert password not in result.stdout + result.stderr

    env_file = tmp_path / "etc" / "hub-mqtt.env"
    result = hailong_cli("provision", "hub", "--config", str(config), "--env-file", str(env_file))
    assert result.returncode == 0, result.stderr
    values = read_env_file(env_file)
    assert values["HAILONG_MQTT_USERNAME"] == "hailong-hub"
    assert values["HAILONG_MQTT_PASSWORD"] not in result.stdout
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600

    check = hailong_cli("provision", "kiosk", "--config", str(config), "--check-config",
                        "--office", "x", "--kiosk", "y", "--counter", "1")
    assert check.returncode == 0 and "broker_url" in check.stdout


@pytest.mark.parametrize(("change", "expected", "code"), [
    ({"broker_url": "mqtt://broker.example.vn:1883"}, "kiosks connect over TLS only", 2),
    ({"broker_url": ""}, "set [provision] broker_url", 1),
    ({"receipt_key_file": ""}, "set [provision] receipt_key_file", 1),
    ({"ca_file": "/nowhere/ca.crt"}, "CA certificate not found", 1),
    ({"mosquitto_passwd": "/nowhere/mosquitto_passwd"}, "mosquitto_passwd not found", 1),
    ({"reload_broker": "false"}, "reloading the broker with 'false' failed", 1),
])
def test_mistakes_get_one_clear_line(tmp_path: Path, settings: ProvisionSection,
                                     change: dict[str, str], expected: str, code: int) -> None:
    config = tmp_path / "provision.toml"
    write_provision_toml(settings, config)
    text = config.read_text()
    for key, value in change.items():
        text = "\n".join(f'{key} = "{value}"' if line.startswith(f"{key} =") else line
                         for line in text.splitlines()) + "\n"
    config.write_text(text)
    result = hailong_cli("provision", "kiosk", "--config", str(config), "--office", "ubnd-a",
                         "--kiosk", "k01", "--counter", "1")
    assert result.returncode == code
    assert expected in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    bad_id = hailong_cli("provision", "kiosk", "--config", str(config), "--office", "UBND A",
                         "--kiosk", "k01", "--counter", "1")
    assert bad_id.returncode != 0 and "Traceback" not in bad_id.stderr


def test_the_pilot_ca_is_kept_and_a_server_key_is_replaced_only_when_asked(tmp_path: Path) -> None:
    folder = tmp_path / "ca"
    first = make_pilot_ca(folder, ["broker.example.vn", "10.0.0.5"])
    assert first.ca_created
    assert stat.S_IMODE((folder / "ca.key").stat().st_mode) == 0o600
    ca = first.ca_cert.read_bytes()
    refused = hailong_cli("provision", "ca", "--out", str(folder), "--host", "broker.example.vn")
    assert refused.returncode == 1 and "--force" in refused.stderr
    again = hailong_cli("provision", "ca", "--out", str(folder), "--host", "broker2.example.vn",
                        "--force")
    assert again.returncode == 0, again.stderr
    assert "used the existing CA" in again.stdout
    assert first.ca_cert.read_bytes() == ca
    from cryptography import x509

    server = x509.load_pem_x509_certificate(first.server_cert.read_bytes())
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["broker2.example.vn"]
    issuer = x509.load_pem_x509_certificate(ca)
    server.verify_directly_issued_by(issuer)


def test_hub_credentials_refuse_a_name_the_acl_cannot_hold(tmp_path: Path,
                                                          settings: ProvisionSection) -> None:
    from hailong.provision import ProvisionError

    with pytest.raises(ProvisionError, match="no '/'"):
        provision_hub(settings, tmp_path / "hub.env", "ubnd-a/k01")


def test_a_bundle_carries_the_office_kind_from_the_roster(settings: ProvisionSection) -> None:
    Path(settings.roster).write_text(
        '[[offices]]\nid = "bv-tinh"\nname = "Bệnh viện Đa khoa tỉnh"\nkind = "hospital"\n',
        encoding="utf-8")
    hospital = _kiosk(provision_kiosk(settings, "bv-tinh", "k01", "Khoa Khám bệnh").folder)
    assert (hospital.kiosk.kind, hospital.kiosk.office_name) == ("hospital", "Bệnh viện Đa khoa tỉnh")
    assert hospital.kiosk.questionnaire_name() == "hospital"
    # an office the roster does not have: no kind written, the kiosk's default (admin) applies
    other = provision_kiosk(settings, "ubnd-b", "k01", "Quầy 1").folder
    assert "kind" not in (other / "kiosk.toml").read_text()
    assert _kiosk(other).kiosk.questionnaire_name() == "sipas"
