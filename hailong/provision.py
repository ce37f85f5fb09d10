"""Provisioning: a kiosk's broker credentials, its roster entry and its device bundle.

Kiosk user names are ``{office}/{kiosk}``, the kiosk's own topic prefix under ``hailong/v1/``,
so one static pattern ACL (``deploy/mosquitto/acl``) gives every kiosk exactly its own topics
and provisioning never edits the ACL. Passwords go into the broker's password file through
Mosquitto's own ``mosquitto_passwd`` (fed on stdin, never on a command line); nothing secret is
printed or logged: the bundle folder (files 0600) is the one place a kiosk's password is written.
"""

from __future__ import annotations

import logging
import os
import secrets
import shlex
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from hailong import brokeracl
from hailong.hubgroup import GROUP_FILE, GROUP_VARIABLE, guessable, new_group
from hailong.settings import Section, check_id, check_mqtt_url, load_settings

log = logging.getLogger(__name__)

# The default place of the provisioning settings on the broker/hub server.
DEFAULT_CONFIG = Path("/etc/hailong/provision.toml")
# 24 random bytes = 192 bits, URL-safe text of 32 characters: beyond any online guessing, and
# typeable from the bundle if an IT officer ever has to.
PASSWORD_BYTES = 24
HUB_USER = "hailong-hub"


class ProvisionError(Exception):
    """A provisioning step that cannot be done, worded for the IT officer."""


def _check_tls_url(value: str) -> str:
    check_mqtt_url(value)
    if value and not value.startswith("mqtts://"):
        raise ValueError("kiosks connect over TLS only: expected mqtts://HOST:8883")
    return value


class ProvisionSection(Section):
    """Where provisioning finds the broker's files and the hub's roster, and puts device bundles."""

    broker_url: Annotated[str, AfterValidator(_check_tls_url)] = Field(
        "", description="Broker URL the kiosks connect to, mqtts://HOST:8883 (HOST as in the "
        "server certificate)")
    ca_file: str = Field("/etc/mosquitto/hailong/ca.crt",
                         description="CA certificate that signed the broker's certificate; copied "
                         "into every bundle")
    password_file: str = Field("/etc/mosquitto/hailong/passwd",
                               description="The broker's password file (`password_file` in "
                               "Mosquitto's config)")
    mosquitto_passwd: str = Field("mosquitto_passwd",
                                  description="Mosquitto's password tool (name or path)")
    reload_broker: str = Field(
        "systemctl reload mosquitto",
        description="Command that makes the broker re-read its password file (SIGHUP); empty "
        "to skip")
    acl_file: str = Field(
        "/etc/mosquitto/hailong/acl",
        description="The broker's ACL file: each kiosk gets a block to read its office's rated "
        "notices (hailong/brokeracl.py); empty to leave it alone")
    roster: str = Field("/etc/hailong/roster.toml",
                        description="The hub's roster file; empty to leave the roster alone")
    receipt_key_file: str = Field(
        "", description="The deployment's receipt key (created on first use, copied into every "
        "bundle); keep it off the hub server, e.g. on an encrypted USB drive (docs/deploy.md)")
    bundles: str = Field("hailong-bundles",
                         description="Folder where device bundles are written, one folder per "
                         "kiosk")
    device_dir: str = Field(
        "/etc/hailong",
        description="Where the bundle is installed on the device (paths in its kiosk.toml); "
        "empty: the bundle folder itself, for a kiosk on this machine")


class ProvisionSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    provision: ProvisionSection = Field(default_factory=ProvisionSection)  # type: ignore[arg-type]


def load_provision_settings(path: Path | None, env: Mapping[str, str] | None = None
                            ) -> ProvisionSettings:
    if path is None and DEFAULT_CONFIG.exists():
        path = DEFAULT_CONFIG
    return load_settings(ProvisionSettings, path, env)


def kiosk_username(office: str, kiosk: str) -> str:
    """The broker user of a kiosk: its topic prefix, so ``%u`` in the ACL is exactly its topics."""
    return f"{check_id(office)}/{check_id(kiosk)}"


def new_password() -> str:
    return secrets.token_urlsafe(PASSWORD_BYTES)


# -- files --------------------------------------------------------------------------------

def write_private(path: Path, data: bytes | str, mode: int = 0o600) -> None:
    """Write ``path`` atomically, never readable by others, not even for an instant."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.unlink(missing_ok=True)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data.encode("utf-8") if isinstance(data, str) else data)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(temporary, mode)
    temporary.replace(path)


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


# -- the broker's password file -----------------------------------------------------------

@dataclass(frozen=True)
class PasswordFile:
    """The broker's password file, changed only through ``mosquitto_passwd``."""

    path: Path
    tool: str = "mosquitto_passwd"

    def users(self) -> list[str]:
        if not self.path.exists():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [line.split(":", 1)[0] for line in lines if ":" in line]

    def _tool(self) -> str:
        found = shutil.which(self.tool)
        if found is None:
            raise ProvisionError(f"{self.tool} not found: install Mosquitto (sudo apt-get install "
                                 "-y mosquitto) or set [provision] mosquitto_passwd")
        return found

    def _ensure_exists(self) -> None:
        if self.path.exists():
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
        os.close(descriptor)
        give_to_broker_group(self.path)

    def set(self, user: str, password: str) -> None:
        self._ensure_exists()
        # Without -b the tool reads the password twice from stdin: it never appears in argv.
        result = subprocess.run([self._tool(), str(self.path), user],
                                input=f"{password}\n{password}\n", capture_output=True, text=True,
                                timeout=30, check=False)
        if result.returncode != 0:
            raise ProvisionError(f"mosquitto_passwd could not set {user!r} in {self.path}: "
                                 f"{result.stderr.strip() or result.stdout.strip()}")

    def delete(self, user: str) -> bool:
        if user not in self.users():
            return False
        result = subprocess.run([self._tool(), "-D", str(self.path), user], capture_output=True,
                                text=True, timeout=30, check=False)
        if result.returncode != 0:
            raise ProvisionError(f"mosquitto_passwd could not remove {user!r} from {self.path}: "
                                 f"{result.stderr.strip()}")
        return True


def give_to_broker_group(path: Path) -> None:
    """Let the broker (group ``mosquitto`` on Debian) read a file it needs, when run as root."""
    if os.geteuid() != 0:
        return
    try:
        shutil.chown(path, group="mosquitto")
    except (LookupError, OSError):
        log.debug("no mosquitto group here; %s keeps its group", path)


def reload_broker(command: str) -> bool:
    """Make the broker re-read its password file; False when no command is configured."""
    if not command.strip():
        return False
    try:
        result = subprocess.run(shlex.split(command), capture_output=True, text=True, timeout=30,
                                check=False)
    except OSError as exc:
        raise ProvisionError(f"could not reload the broker with {command!r} ({exc}); the "
                             "password file is updated: reload Mosquitto by hand") from None
    if result.returncode != 0:
        raise ProvisionError(f"reloading the broker with {command!r} failed "
                             f"({result.stderr.strip() or result.returncode}); the password "
                             "file is updated: reload Mosquitto by hand")
    return True


# -- kiosks -------------------------------------------------------------------------------

@dataclass(frozen=True)
class KioskBundle:
    folder: Path
    username: str
    replaced: bool
    key_created: bool


def _roster_office(roster_path: Path | None, office: str) -> tuple[str, str]:
    """The office's name and kind from the hub's roster; empty when it is not there."""
    if roster_path is None or not roster_path.exists():
        return "", ""
    from hub.roster import load_roster

    found = load_roster(roster_path).office(office)
    return (found.name, found.kind) if found else ("", "")


def bundle_toml(office: str, kiosk: str, counter: str, office_name: str, url: str,
                username: str, password: str, device_dir: Path, scanner: str,
                kind: str = "") -> str:
    lines = [
        f"# hailong kiosk {office}/{kiosk}, written by `hailong provision kiosk`.",
        "# It holds this kiosk's broker password: readable by the kiosk's user only (0600).",
        "",
        "[kiosk]",
        f"office = {_toml_string(office)}",
        f"id = {_toml_string(kiosk)}",
        f"counter = {_toml_string(counter)}",
    ]
    if office_name:
        lines.append(f"office_name = {_toml_string(office_name)}")
    if kind:
        # the kiosk shows the bundled questionnaire of its office's kind (admin, hospital, school)
        lines.append(f"kind = {_toml_string(kind)}")
    lines += [f"receipt_key_file = {_toml_string(str(device_dir / 'receipt.key'))}", ""]
    if scanner:
        lines += ["[scanner]", f"port = {_toml_string(scanner)}", ""]
    lines += [
        "[mqtt]",
        f"url = {_toml_string(url)}",
        f"username = {_toml_string(username)}",
        f"password = {_toml_string(password)}",
        f"ca_file = {_toml_string(str(device_dir / 'ca.crt'))}",
        "",
    ]
    return "\n".join(lines)


def provision_kiosk(settings: ProvisionSection, office: str, kiosk: str, counter: str,
                    scanner: str = "") -> KioskBundle:
    """Credentials in the broker, the kiosk in the roster, and its bundle on disk."""
    from kiosk.receipt import load_or_create_key
    from kiosk.settings import KioskSettings

    username = kiosk_username(office, kiosk)
    if not settings.broker_url:
        raise ProvisionError("set [provision] broker_url (mqtts://HOST:8883) in the provisioning "
                             "settings first")
    ca_file = Path(settings.ca_file)
    if not ca_file.is_file():
        raise ProvisionError(f"{ca_file}: CA certificate not found (make one for a pilot with "
                             "`hailong provision ca`, or set [provision] ca_file)")
    roster = Path(settings.roster) if settings.roster else None
    folder = (Path(settings.bundles) / office / kiosk).absolute()
    device_dir = Path(settings.device_dir) if settings.device_dir else folder
    if not settings.receipt_key_file:
        raise ProvisionError(
            "set [provision] receipt_key_file: the deployment's receipt key, the same for every "
            "kiosk and kept off the hub server (e.g. on an encrypted USB drive); it is created "
            "there on first use")
    key, key_created = load_or_create_key("", Path(settings.receipt_key_file))

    passwords = PasswordFile(Path(settings.password_file), settings.mosquitto_passwd)
    replaced = username in passwords.users()
    password = new_password()
    office_name, kind = _roster_office(roster, office)
    text = bundle_toml(office, kiosk, counter, office_name, settings.broker_url, username,
                       password, device_dir, scanner, kind)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(folder, 0o700)
    write_private(folder / "kiosk.toml", text)
    write_private(folder / "ca.crt", ca_file.read_bytes())
    write_private(folder / "receipt.key", key + "\n")
    # The kiosk must be able to read what we wrote: check before the broker knows the password.
    check_env = {"HAILONG_DATA_DIR": str(folder)}
    load_settings(KioskSettings, folder / "kiosk.toml", env=check_env)

    passwords.set(username, password)
    if settings.acl_file:
        try:
            brokeracl.add_kiosk(Path(settings.acl_file), office, kiosk)
        except OSError as exc:
            raise ProvisionError(f"{exc}; the kiosk's password is set: provision it again once "
                                 "the ACL is in place") from None
    if roster is not None:
        from hub.roster import add_kiosk

        add_kiosk(roster, office, kiosk, counter)
    reload_broker(settings.reload_broker)
    return KioskBundle(folder, username, replaced, key_created)


@dataclass(frozen=True)
class Revoked:
    usernames: list[str]
    roster_entries: int
    bundles: list[Path]


def matching_kiosk_users(users: Sequence[str], kiosk: str, office: str | None) -> list[str]:
    return [u for u in users if u.count("/") == 1 and u.split("/")[1] == kiosk
            and office in (None, u.split("/")[0])]


def revoke_kiosk(settings: ProvisionSection, kiosk: str, office: str | None = None) -> Revoked:
    """Take a kiosk's credentials out of the broker (connected sessions are dropped on reload)."""
    check_id(kiosk)
    if office is not None:
        check_id(office)
    passwords = PasswordFile(Path(settings.password_file), settings.mosquitto_passwd)
    users = matching_kiosk_users(passwords.users(), kiosk, office)
    roster = Path(settings.roster) if settings.roster else None
    if office is None:
        offices = {u.split("/")[0] for u in users}
        if roster is not None and roster.exists():
            from hub.roster import load_roster

            offices |= {k.office for k in load_roster(roster).kiosks if k.id == kiosk}
        if len(offices) > 1:
            raise ProvisionError(f"kiosk {kiosk!r} exists in several offices "
                                 f"({', '.join(sorted(offices))}): add --office")
    for user in users:
        passwords.delete(user)
        if settings.acl_file:
            brokeracl.remove_kiosk(Path(settings.acl_file), user)
    removed = 0
    if roster is not None and roster.exists():
        from hub.roster import remove_kiosk

        removed = remove_kiosk(roster, kiosk, office)
    bundles = []
    for user in users:
        folder = (Path(settings.bundles) / user).absolute()
        if folder.is_dir():
            shutil.rmtree(folder)
            bundles.append(folder)
    if users:
        reload_broker(settings.reload_broker)
    return Revoked(users, removed, bundles)


def provision_hub(settings: ProvisionSection, env_file: Path, name: str = HUB_USER) -> bool:
    """The hub's broker credentials, as an environment file for its systemd unit; True if new."""
    if not name or "/" in name or "+" in name or "#" in name:
        raise ProvisionError(f"{name!r}: a hub user name has no '/', '+' or '#'")
    passwords = PasswordFile(Path(settings.password_file), settings.mosquitto_passwd)
    fresh = name not in passwords.users()
    password = new_password()
    write_private(env_file, "# the hub's broker credentials (`hailong provision hub`)\n"
                            f"HAILONG_MQTT_USERNAME={name}\nHAILONG_MQTT_PASSWORD={password}\n")
    passwords.set(name, password)
    ensure_group_file(env_file.parent)  # the workers' secret shared group
    reload_broker(settings.reload_broker)
    return fresh


def ensure_group_file(folder: Path) -> tuple[Path, str]:
    """``folder/hub-group.env`` with the deployment's group (hailong/hubgroup.py), made once and
    kept afterwards (every worker must use the same group: a new one would split them)."""
    path = folder / GROUP_FILE
    if path.is_file():
        group = read_env_file(path).get(GROUP_VARIABLE, "")
        if group and not guessable(group):
            return path, group
    group = new_group()
    write_private(path, "# the hub workers' shared-subscription group (`hailong provision hub`): a "
                        f"secret, never on a kiosk\n{GROUP_VARIABLE}={group}\n")
    return path, group


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a systemd environment file (as `provision hub` writes them)."""
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values
