"""Settings: defaults, files, environment overrides, and one clear line for every mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from hailong.settings import SettingsError, load_settings, render_settings
from hub.settings import HubSettings
from kiosk.settings import KioskSettings
from tests.support import REPO, hailong_cli, write_toml


def test_defaults_need_no_file() -> None:
    settings = load_settings(HubSettings, None, env={})
    assert settings.http.host == "127.0.0.1"
    assert settings.http.port == 8080
    assert settings.hub.timezone == "Asia/Ho_Chi_Minh"
    assert settings.database_url().startswith("sqlite:///")
    assert settings.database_url().endswith("hub.db")


def test_example_files_are_valid() -> None:
    hub = load_settings(HubSettings, REPO / "config" / "hub.example.toml", env={})
    kiosk = load_settings(KioskSettings, REPO / "config" / "kiosk.example.toml", env={})
    assert hub.mqtt.url.startswith("mqtt")
    assert kiosk.kiosk.id


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    path = write_toml(tmp_path / "k.toml", '[kiosk]\noffice = "ubnd-a"\nid = "k01"\n')
    env = {"HAILONG_KIOSK_ID": "k02", "HAILONG_MQTT_URL": "mqtts://broker.example:8883",
           "HAILONG_KIOSK_IDLE_TIMEOUT": "45", "HAILONG_SCANNER_PORT": "/dev/ttyACM0"}
    settings = load_settings(KioskSettings, path, env=env)
    assert settings.kiosk.office == "ubnd-a"
    assert settings.kiosk.id == "k02"
    assert settings.kiosk.idle_timeout == 45
    assert settings.scanner.port == "/dev/ttyACM0"
    assert settings.mqtt.tls and settings.mqtt.port == 8883


@pytest.mark.parametrize(("text", "expected"), [
    ("[kiosk\nid = 1", "not valid TOML"),
    ('[kiosk]\nidd = "k1"\n', "[kiosk] idd: unknown key; expected one of: office, id,"),
    ('[kioks]\nid = "k1"\n', "[kioks]: unknown section; expected one of:"),
    ('[kiosk]\nidle_timeout = "soon"\n', "[kiosk] idle_timeout: expected a valid integer"),
    ('[kiosk]\nidle_timeout = 2\n', "[kiosk] idle_timeout: expected greater than or equal to 5"),
    ('[kiosk]\nid = "Kiosk 1"\n', "[kiosk] id: expected an id of 1-63 lower-case letters"),
    ('[mqtt]\nurl = "http://x"\n', "[mqtt] url: expected mqtt://HOST[:PORT]"),
    ("kiosk = 3\n", "[kiosk]: expected a [section] table of keys"),
])
def test_a_broken_file_gives_one_line_naming_file_key_and_expectation(
        tmp_path: Path, text: str, expected: str) -> None:
    path = write_toml(tmp_path / "kiosk.toml", text)
    with pytest.raises(SettingsError) as caught:
        load_settings(KioskSettings, path, env={})
    message = str(caught.value)
    assert message.startswith(str(path) + ": ")
    assert expected in message
    assert "\n" not in message


def test_an_environment_mistake_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"^environment variable HAILONG_HTTP_PORT: \[http\] "
                       r"port: expected a valid integer"):
        load_settings(HubSettings, None, env={"HAILONG_HTTP_PORT": "eighty"})


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="file not found"):
        load_settings(HubSettings, tmp_path / "nope.toml", env={})


def test_secrets_are_masked_when_printed(tmp_path: Path) -> None:
    path = write_toml(tmp_path / "k.toml", '[mqtt]\npassword = "hunter2"\n[kiosk]\n'
                      'receipt_key = "s3cret"\n')
    text = render_settings(load_settings(KioskSettings, path, env={}))
    assert "hunter2" not in text and "s3cret" not in text
    assert 'password = "********"' in text


def test_cli_check_config_prints_and_exits_zero(tmp_path: Path) -> None:
    path = write_toml(tmp_path / "hub.toml", '[http]\nport = 9090\n')
    result = hailong_cli("hub", "run", "--config", str(path), "--check-config")
    assert result.returncode == 0, result.stderr
    assert "port = 9090" in result.stdout


@pytest.mark.parametrize("app", [("kiosk", "run"), ("hub", "run"), ("demo",)])
def test_cli_broken_config_is_one_line_without_traceback(tmp_path: Path, app: tuple[str, ...]
                                                         ) -> None:
    path = write_toml(tmp_path / "bad.toml", '[mqtt]\nurl = 5\n')
    result = hailong_cli(*app, "--config", str(path), "--check-config")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("hailong: configuration error: ")
    assert str(path) in lines[0] and "[mqtt] url" in lines[0]


def test_configuration_doc_is_current() -> None:
    from hailong.docs import configuration_markdown

    current = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert current == configuration_markdown(), (
        "docs/configuration.md is out of date: run `python -m hailong.docs`")


def test_demo_children_take_the_generated_files_as_the_whole_truth(tmp_path: Path) -> None:
    from hailong.demo import env_without_overrides_of

    hub = tmp_path / "hub.toml"
    hub.write_text('[data]\ndir = "/srv/demo"\n\n[http]\nport = 8081\n', encoding="utf-8")
    env = {"HAILONG_DATA_DIR": "/elsewhere", "HAILONG_HTTP_PORT": "9", "HAILONG_KIOSK_ID": "k",
           "PATH": "/bin"}
    assert env_without_overrides_of(env, hub) == {"HAILONG_KIOSK_ID": "k", "PATH": "/bin"}
