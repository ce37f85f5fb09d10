"""deploy/systemd/ units pass ``systemd-analyze verify`` (offline: no running systemd needed)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import require
from tests.support.deploy import DEPLOY

UNITS = DEPLOY / "systemd"
INSTALLED_HAILONG = "/opt/hailong/venv/bin/hailong"
DEBIAN_MOSQUITTO_UNIT = Path("/lib/systemd/system/mosquitto.service")


def _verify(folder: Path, unit: str) -> str:
    """Everything ``systemd-analyze verify`` says about ``unit`` (warnings included)."""
    result = subprocess.run(["systemd-analyze", "verify", f"./{unit}"], cwd=folder,
                            capture_output=True, text=True, timeout=60, check=False)
    said = (result.stdout + result.stderr).strip()
    return said if said or result.returncode == 0 else f"exit status {result.returncode}"


@pytest.fixture
def units(tmp_path: Path) -> Path:
    """The units as installed on this machine: hailong where this test's Python has it."""
    require("systemd-analyze", shutil.which("systemd-analyze") is not None,
            "sudo apt-get install -y systemd")
    require("cage", shutil.which("cage") is not None, "sudo apt-get install -y cage")
    here = str(Path(sys.executable).parent / "hailong")
    for unit in [*UNITS.glob("*.service"), *UNITS.glob("*.timer")]:
        text = unit.read_text(encoding="utf-8")
        (tmp_path / unit.name).write_text(text.replace(INSTALLED_HAILONG, here), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("unit", ["hailong-hub.service", "hailong-hub@8081.service",
                                  "hailong-backup.service", "hailong-backup.timer",
                                  "hailong-kiosk.service"])
def test_the_units_verify_without_a_word(units: Path, unit: str) -> None:
    assert _verify(units, unit) == ""


def test_the_units_say_what_the_issue_asks(units: Path) -> None:
    hub = (units / "hailong-hub.service").read_text()
    kiosk = (units / "hailong-kiosk.service").read_text()
    assert "Restart=on-failure" in hub and "EnvironmentFile=-/etc/hailong/hub-mqtt.env" in hub
    assert "Restart=always" in kiosk and "WatchdogSec=" in kiosk and "Type=notify" in kiosk
    worker = (units / "hailong-hub@.service").read_text()
    assert "HAILONG_HUB_CLIENT_ID=hailong-hub-%i" in worker


def test_the_broker_drop_in_applies_to_debians_mosquitto_unit(units: Path) -> None:
    require("Debian's mosquitto.service", DEBIAN_MOSQUITTO_UNIT.exists(),
            "sudo apt-get install -y mosquitto")
    shutil.copy(DEBIAN_MOSQUITTO_UNIT, units / "mosquitto.service")
    shutil.copytree(UNITS / "mosquitto.service.d", units / "mosquitto.service.d")
    assert _verify(units, "mosquitto.service") == ""
    # The control: a broken line in the drop-in is noticed, so the drop-in was really read.
    with (units / "mosquitto.service.d" / "hailong.conf").open("a") as handle:
        handle.write("Restart=sometimes\n")
    assert "sometimes" in _verify(units, "mosquitto.service")
