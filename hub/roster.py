"""The roster: which offices, counters, officers and kiosks a deployment has (a TOML file).

Offices and kiosks seen on the wire but missing here are still stored and shown, marked
"unregistered", never dropped.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

import tomlkit
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hailong.settings import Id, SettingsError
from hub.settings import TimeZoneName


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Office(_Entry):
    id: Id
    name: str = ""
    province: str = ""
    timezone: TimeZoneName | Literal[""] = Field("", description="empty: the hub's default")
    kind: Literal["admin", "hospital", "school"] = "admin"


class Officer(_Entry):
    office: Id
    code: str = Field(min_length=1, max_length=64)
    name: str = ""


class Kiosk(_Entry):
    office: Id
    id: Id
    counter: str = Field("", max_length=64)


class Roster(_Entry):
    offices: list[Office] = Field(default_factory=list)
    officers: list[Officer] = Field(default_factory=list)
    kiosks: list[Kiosk] = Field(default_factory=list)

    def office(self, office_id: str) -> Office | None:
        return next((o for o in self.offices if o.id == office_id), None)


def load_roster(path: Path | str | None) -> Roster:
    if not path:
        return Roster()
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(f"{path}: roster file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from None
    try:
        roster = Roster.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"]).lstrip(".")
        message = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown key"
        raise SettingsError(f"{path}: {where}: {message}") from None
    ids = [o.id for o in roster.offices]
    duplicate = next((i for i in ids if ids.count(i) > 1), None)
    if duplicate:
        raise SettingsError(f"{path}: office {duplicate!r} is listed twice")
    return roster


def _document(path: Path) -> tomlkit.TOMLDocument:
    return tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() else tomlkit.document()


def _save(path: Path, document: tomlkit.TOMLDocument) -> None:
    text = tomlkit.dumps(document)
    Roster.model_validate(tomllib.loads(text))  # never write a roster the hub cannot read
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)


def add_kiosk(path: Path, office: str, kiosk: str, counter: str = "") -> None:
    """Add (or update) a kiosk in the roster file, keeping its comments and layout."""
    document = _document(path)
    kiosks = document.setdefault("kiosks", tomlkit.aot())
    for entry in kiosks:
        if entry.get("office") == office and entry.get("id") == kiosk:
            entry["counter"] = counter
            break
    else:
        table = tomlkit.table()
        table.update({"office": office, "id": kiosk, "counter": counter})
        kiosks.append(table)
    _save(path, document)


def remove_kiosk(path: Path, kiosk: str, office: str | None = None) -> int:
    """Remove a kiosk (of one office, or of every office) from the roster; how many went."""
    document = _document(path)
    kiosks = document.get("kiosks")
    if kiosks is None:
        return 0
    keep = [e for e in kiosks if not (e.get("id") == kiosk and office in (None, e.get("office")))]
    removed = len(kiosks) - len(keep)
    if removed:
        document["kiosks"] = tomlkit.aot()
        for entry in keep:
            document["kiosks"].append(entry)
        _save(path, document)
    return removed
