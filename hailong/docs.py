"""Generates docs/configuration.md from the settings models (run ``python -m hailong.docs``).

The models are the one home of every key, default and description; the doc is derived, and a
test fails when it is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

from hailong.demo import DemoSettings
from hailong.provision import ProvisionSettings
from hailong.settings import describe_settings
from hub.settings import HubSettings
from kiosk.settings import KioskSettings

HEADER = """\
# Configuration

Both apps read one TOML file (`--config FILE`; without it, the built-in defaults below) and
then the environment: every key can be overridden by a variable named
`HAILONG_<SECTION>_<KEY>`, e.g. `HAILONG_MQTT_URL` or `HAILONG_KIOSK_IDLE_TIMEOUT`. Lists take
comma-separated values. `--check-config` validates the result, prints it with secrets masked,
and exits.

A mistake stops start-up with one line naming the file (or variable), the key and what was
expected, for example:

    hailong: configuration error: kiosk.toml: [kiosk] idle_timeout:
      expected greater than or equal to 5 (got 2)

Examples: `config/kiosk.example.toml`, `config/hub.example.toml`; for a real deployment
`deploy/hub/hub.toml` and `deploy/hub/provision.toml`.
This page is generated from the settings models by `python -m hailong.docs`; do not edit it by
hand.
"""


def configuration_markdown() -> str:
    parts = [HEADER,
             describe_settings(KioskSettings, "Kiosk (`hailong kiosk run`)"),
             describe_settings(HubSettings, "Hub (`hailong hub run`)"),
             describe_settings(DemoSettings, "Demo (`hailong demo`)"),
             describe_settings(ProvisionSettings,
                               "Provisioning (`hailong provision`; docs/deploy.md)")]
    return "\n".join(parts)


def main() -> int:
    target = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"
    target.write_text(configuration_markdown(), encoding="utf-8")
    print(f"wrote {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
