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
from hub.store.engine import PG_TIMEOUTS
from hub.store.probe import PROBE_WAIT
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


def postgresql_timeouts() -> str:
    """The time-outs every hub connection to PostgreSQL carries (hub/store/engine.py)."""
    rows = "\n".join(f"| `{key}` | `{value}` |" for key, value in PG_TIMEOUTS.items())
    return f"""\
## PostgreSQL time-outs (hub)

A PostgreSQL that hangs, or a network path to it that drops packets, must cost the hub a
bounded wait: without limits a query waits on the operating system's TCP retries, many
minutes, and `/healthz` with it. Every hub connection to PostgreSQL carries these libpq
parameters (defined once, with the reason for each value, in `hub/store/engine.py`):

| parameter | value |
|---|---|
{rows}

Why these values: a connection opens in milliseconds on a LAN, so after `connect_timeout` (5 s)
the path or server is dead; `tcp_user_timeout` (15 s) drops a connection whose sent data is
not acknowledged, so a dead path is noticed in seconds rather than minutes; the keepalives find
an idle pooled connection whose path died within 45 s; on the server, no statement runs longer
than 60 s (the ingest's take milliseconds; a deployment whose largest reports need longer
raises it in the URL) and a session left
in an open transaction for 60 s is ended, so its locks do not hold up other hubs. Migrations
(`hailong hub db upgrade`) lift the statement limit for their own transaction. Any of them can
be overridden in the database URL's query string, which wins, e.g.
`postgresql+psycopg://hub@db/hailong?connect_timeout=10`.

`/healthz` asks the database on a thread of its own and waits at most {PROBE_WAIT:g} s
(`hub/store/probe.py`): while the database hangs it answers 503 with
`"problems": ["database does not answer: no answer within {PROBE_WAIT:g} s"]`.
"""


def configuration_markdown() -> str:
    parts = [HEADER,
             describe_settings(KioskSettings, "Kiosk (`hailong kiosk run`)"),
             describe_settings(HubSettings, "Hub (`hailong hub run`)"),
             describe_settings(DemoSettings, "Demo (`hailong demo`)"),
             describe_settings(ProvisionSettings,
                               "Provisioning (`hailong provision`; docs/deploy.md)"),
             postgresql_timeouts()]
    return "\n".join(parts)


def main() -> int:
    target = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"
    target.write_text(configuration_markdown(), encoding="utf-8")
    print(f"wrote {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
