"""The broker ACL's per-kiosk blocks: what a pattern cannot say.

The static ACL (deploy/mosquitto/acl) gives each kiosk its own topics through ``%u``
(``{office}/{kiosk}``), but a kiosk must also read its office's ``rated`` notices
(``hailong/v1/{office}/rated``, docs/web-channel.md), and no pattern can cut the office out of
the user name. So provisioning appends one block per kiosk to the ACL file and revocation takes
it out; the file keeps its mode and group (Mosquitto reads it as its own group), and is
replaced atomically so the broker never reads half of it.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from hailong.topics import office_topic

_MARK = "# kiosk {user}: its office's rated notices (hailong provision kiosk)"


def kiosk_block(office: str, kiosk: str) -> list[str]:
    user = f"{office}/{kiosk}"
    return [_MARK.format(user=user), f"user {user}", f"topic read {office_topic(office, 'rated')}"]


def _without(lines: list[str], user: str) -> list[str]:
    """``lines`` without the block of ``user`` (its mark, user line and topic lines)."""
    out: list[str] = []
    skipping = False
    for line in lines:
        if line == _MARK.format(user=user):
            skipping = True
            continue
        if skipping and (line.startswith("topic ") or line == f"user {user}"):
            continue
        skipping = False
        out.append(line)
    return out


def _replace(path: Path, lines: list[str]) -> None:
    status = path.stat()
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.unlink(missing_ok=True)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines).rstrip("\n") + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    # not root: the file stays in the writer's group, as it was created
    with contextlib.suppress(PermissionError):
        os.chown(temporary, -1, status.st_gid)
    os.chmod(temporary, status.st_mode & 0o777)
    temporary.replace(path)


def add_kiosk(path: Path, office: str, kiosk: str) -> None:
    """Give the kiosk its office's ``rated`` topic (replacing a block it already had)."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: the broker's ACL file is not there (copy "
                                "deploy/mosquitto/acl, or set [provision] acl_file)")
    lines = _without(path.read_text(encoding="utf-8").splitlines(), f"{office}/{kiosk}")
    _replace(path, [*lines, *kiosk_block(office, kiosk)])


def remove_kiosk(path: Path, user: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    kept = _without(lines, user)
    if kept != lines:
        _replace(path, kept)
