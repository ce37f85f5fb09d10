"""Push config end to end: the fleet page and the API publish a kiosk's config on the real broker,
a real kiosk process applies it at its idle screen, and the hub shows "applied"."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from hailong.broker import Broker
from hub.admin.accounts import Accounts
from tests.support import PASSWORD, PATIENCE, RunningHub, hub_settings, wait_until, write_toml
from tests.support.browser import (
    Tab,
)

ROSTER = """
[[offices]]
id = "ubnd-a"
name = "UBND phường A"

[[kiosks]]
office = "ubnd-a"
id = "k09"
counter = "7"
"""


def kiosk_process(tmp: Path, broker: Broker) -> subprocess.Popen[str]:
    config = write_toml(tmp / "kiosk" / "kiosk.toml",
                        f'[kiosk]\noffice = "ubnd-a"\nid = "k09"\ncounter = "1"\n'
                        f'receipt_key = "k"\n\n[mqtt]\nurl = "{broker.url}"\n\n'
                        f'[data]\ndir = "{tmp / "kiosk"}"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAILONG_")}
    env.update({"SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy",
                "PYGAME_HIDE_SUPPORT_PROMPT": "1"})
    return subprocess.Popen([sys.executable, "-m", "hailong", "kiosk", "run", "--config",
                             str(config), "--windowed", "800x480"], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def fleet_entry(hub: RunningHub, kiosk: str) -> dict[str, Any]:
    status, document = hub.get("/api/v1/fleet")
    assert status == 200, document
    return next(k for k in document["kiosks"] if k["kiosk"] == kiosk)


def test_a_config_pushed_from_the_fleet_page_and_the_api_is_applied_by_a_real_kiosk(
        tmp_path: Path, broker: Broker, chromium: Any) -> None:
    roster = write_toml(tmp_path / "roster.toml", ROSTER)
    hub = RunningHub(hub_settings(tmp_path / "hub", broker.url, roster=str(roster)))
    kiosk = kiosk_process(tmp_path, broker)
    tab = Tab(chromium, hub.url)
    try:
        Accounts(hub.hub.store.engine).add_user("root", "admin", [], PASSWORD)
        wait_until(lambda: fleet_entry(hub, "k09")["state"] == "online", 30,
                   message="the kiosk online at the hub")
        assert fleet_entry(hub, "k09")["config_shown"] is None
        tab.sign_in("root", PASSWORD, "/signin?next=/fleet")
        row = "tr[data-kiosk='ubnd-a/k09']"
        assert "chưa gửi" in tab.page.inner_text(row)
        with tab.page.expect_navigation():
            tab.page.click(f"{row} form.push button")
        assert "Đã gửi cấu hình tới ubnd-a/k09" in tab.page.inner_text("#fleet-message")
        pushed = fleet_entry(hub, "k09")["config_pushed"]
        assert pushed
        wait_until(lambda: fleet_entry(hub, "k09")["config_shown"] == "applied", 30,
                   message="the kiosk reports the config applied")
        entry = fleet_entry(hub, "k09")
        assert entry["config"] == {"version": pushed, "state": "applied", "error": None}
        tab.goto("/fleet")
        assert tab.page.get_attribute(row, "data-config") == "applied"
        assert "đã áp dụng" in tab.page.inner_text(row)

        api = httpx.Client(base_url=hub.url, headers=hub.auth, timeout=30)
        refused = api.post("/api/v1/offices/ubnd-a/kiosks/k09/config",
                           json={"settings": {"receipt_key": "x"}})
        assert refused.status_code == 400 and refused.json()["parameter"] == "settings"
        assert api.post("/api/v1/offices/ubnd-a/kiosks/k99/config").status_code == 404
        # A setting the kiosk itself refuses: the hub publishes it, the kiosk reports the error.
        bad = api.post("/api/v1/offices/ubnd-a/kiosks/k09/config",
                       json={"settings": {"idle_timeout": 1}})
        assert bad.status_code == 200, bad.text
        wait_until(lambda: fleet_entry(hub, "k09")["config_shown"] == "error", 30,
                   message="the refusal reported")
        assert "idle_timeout" in fleet_entry(hub, "k09")["config"]["error"]
        good = api.post("/api/v1/offices/ubnd-a/kiosks/k09/config",
                        json={"settings": {"counter": "8"}})
        assert good.status_code == 200
        document = good.json()
        assert document["config"]["settings"]["counter"] == "8"
        assert document["config"]["questionnaire"]["id"] == "sipas"
        assert document["state"] == "pending"
        wait_until(lambda: fleet_entry(hub, "k09")["config"]["version"] == document["version"]
                   and fleet_entry(hub, "k09")["config_shown"] == "applied", 30,
                   message="the second config applied")
        kept = json.loads((tmp_path / "kiosk" / "pushed-config-k09.json").read_text())
        assert kept["version"] == document["version"]  # the kiosk keeps it across restarts
        assert kept["settings"]["counter"] == "8"
        api.close()
    finally:
        tab.close()
        kiosk.terminate()
        output = kiosk.communicate(timeout=PATIENCE)[0]
        hub.stop()
    assert "Traceback" not in output, output
