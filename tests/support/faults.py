"""What the fault tests share: how many rounds to run, and a generous deadline for every wait.

Each fault test runs the count the issue asks for when it fits the suite's time on 2 cores, or
a smaller default otherwise; ``HAILONG_FAULT_ROUNDS`` sets every count at once (more to hunt a
rare failure, fewer for a quick look). docs/reliability.md lists the defaults.
"""

from __future__ import annotations

import os

# Every wait for an event ends at this deadline: far beyond what a loaded 2-core machine needs,
# so a timeout means something is wrong, not that the machine is busy.
PATIENCE = 120.0


def rounds(default: int, env: dict[str, str] | None = None) -> int:
    """The number of rounds: ``HAILONG_FAULT_ROUNDS`` when set, else ``default``."""
    value = (os.environ if env is None else env).get("HAILONG_FAULT_ROUNDS", "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"HAILONG_FAULT_ROUNDS must be a whole number ≥ 1, not {value!r}")
    return int(value)
