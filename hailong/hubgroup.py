"""The hub workers' shared-subscription group: a secret of the deployment, so no kiosk can join it.

Mosquitto's ACL file checks what a client may *read* when a message is delivered, not which
filters it may subscribe to: a kiosk subscribing to ``$share/GROUP/hailong/v1/+/+/response`` with
the hub workers' group name joins their group, is handed its share of every kiosk's responses,
and the broker then drops them (the kiosk may not read them): the workers miss them until the
kiosks resend. A group name nobody outside the hub can know makes that subscription a group of
its own, which takes nothing from the workers. ``hailong provision hub`` writes it, once, to
``hub-group.env`` beside the hub's credentials (read by ``hailong-hub@.service`` only).
"""

from __future__ import annotations

import secrets

GROUP_FILE = "hub-group.env"
GROUP_VARIABLE = "HAILONG_HUB_SHARED_GROUP"
# 128 random bits: not guessable in any number of subscriptions a kiosk could make.
GROUP_BYTES = 16
# A configured group shorter than this was typed by a person (e.g. "hailong"): a kiosk can guess it.
MIN_SECRET_LENGTH = 20


def new_group() -> str:
    return f"hailong-{secrets.token_hex(GROUP_BYTES)}"


def guessable(group: str) -> bool:
    return 0 < len(group) < MIN_SECRET_LENGTH

