"""The roster: which offices, counters, officers and kiosks a deployment has (a TOML file).

Offices and kiosks seen on the wire but missing here are still stored and shown, marked
"unregistered", never dropped.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

import tomlkit
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hailong.settings import Id, SettingsError
from hub.settings import AlertRule, TimeZoneName


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Office(_Entry):
    id: Id
    name: str = ""
    province: str = ""
    timezone: TimeZoneName | Literal[""] = Field("", description="empty: the hub's default")
    kind: Literal["admin", "hospital", "school"] = "admin"
    gating: bool = Field(False, description="kiosks open only on a receipt scan or the officer's "
                         "signal: a rating without a receipt is flagged")
    alerts: dict[str, Any] = Field(default_factory=dict,
                                   description="keys of [alerts] that differ for this office")

    def alert_rule(self, default: AlertRule) -> AlertRule:
        return AlertRule.model_validate({**default.model_dump(), **self.alerts})


class Counter(_Entry):
    office: Id
    label: str = Field(min_length=1, max_length=64)
    name: str = ""


class Officer(_Entry):
    office: Id
    code: str = Field(min_length=1, max_length=64)
    name: str = ""


class Kiosk(_Entry):
    office: Id
    id: Id
    counter: str = Field("", max_length=64)
    gating: bool | None = Field(None, description="overrides the office's gating")


class Roster(_Entry):
    # [provinces]: each province id of the offices with the name people read ("Đắk Nông").
    provinces: dict[str, str] = Field(default_factory=dict)
    offices: list[Office] = Field(default_factory=list)
    counters: list[Counter] = Field(default_factory=list)
    officers: list[Officer] = Field(default_factory=list)
    kiosks: list[Kiosk] = Field(default_factory=list)

    def office(self, office_id: str) -> Office | None:
        return next((o for o in self.offices if o.id == office_id), None)

    def province_name(self, province: str) -> str:
        """The name pages and documents show: the roster's, else the id made readable (an
        id names a province in URLs and for programs only)."""
        return self.provinces.get(province) or province.replace("-", " ").title()

    def gated(self, office_id: str, kiosk_id: str) -> bool:
        """Whether this kiosk should only open on a transaction (receipt scan or officer)."""
        kiosk = next((k for k in self.kiosks if k.office == office_id and k.id == kiosk_id), None)
        if kiosk is not None and kiosk.gating is not None:
            return kiosk.gating
        office = self.office(office_id)
        return office.gating if office is not None else False


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
    problem = check_roster(roster)
    if problem:
        raise SettingsError(f"{path}: {problem}")
    return roster


def check_roster(roster: Roster) -> str | None:
    """What is wrong with a roster beyond its types (duplicates, bad alert overrides), or None."""
    for kind, keys in (("office", [o.id for o in roster.offices]),
                       ("counter", [f"{c.office}/{c.label}" for c in roster.counters]),
                       ("officer", [f"{o.office}/{o.code}" for o in roster.officers]),
                       ("kiosk", [f"{k.office}/{k.id}" for k in roster.kiosks])):
        seen: set[str] = set()
        for key in keys:
            if key in seen:
                return f"{kind} {key!r} is listed twice"
            seen.add(key)
    for office in roster.offices:
        unknown = set(office.alerts) - set(AlertRule.model_fields)
        if unknown:
            return (f"offices {office.id!r}: alerts: unknown key {sorted(unknown)[0]!r}; expected "
                    f"one of: {', '.join(AlertRule.model_fields)}")
        try:
            office.alert_rule(AlertRule())  # type: ignore[call-arg]
        except ValidationError as exc:
            err = exc.errors()[0]
            return f"offices {office.id!r}: alerts.{err['loc'][0]}: {err['msg']}"
    return None


def _document(path: Path) -> tomlkit.TOMLDocument:
    return tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() else tomlkit.document()


def _save(path: Path, document: tomlkit.TOMLDocument) -> None:
    text = tomlkit.dumps(document)
    # Never write a roster the hub cannot read.
    try:
        problem = check_roster(Roster.model_validate(tomllib.loads(text)))
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise SettingsError(f"{path}: {where}: {str(err['msg']).removeprefix('Value error, ')}") \
            from None
    if problem:
        raise SettingsError(f"{path}: {problem}")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)


def add_kiosk(path: Path, office: str, kiosk: str, counter: str = "") -> None:
    """Add (or update) a kiosk in the roster file, keeping its comments and layout."""
    set_entry(path, "kiosks", {"office": office, "id": kiosk, "counter": counter})


def remove_kiosk(path: Path, kiosk: str, office: str | None = None) -> int:
    """Remove a kiosk (of one office, or of every office) from the roster; how many went."""
    return remove_entries(path, "kiosks", {"id": kiosk} | ({"office": office} if office else {}))


ENTRY_KEYS = {"offices": ("id",), "counters": ("office", "label"), "officers": ("office", "code"),
              "kiosks": ("office", "id")}


def set_entry(path: Path, table: str, values: dict[str, Any]) -> bool:
    """Add an entry to ``[[table]]`` or update the one with the same key; True when added."""
    keys = ENTRY_KEYS[table]
    document = _document(path)
    entries = document.setdefault(table, tomlkit.aot())
    for entry in entries:
        if all(entry.get(k) == values[k] for k in keys):
            entry.update(values)
            _save(path, document)
            return False
    item = tomlkit.table()
    item.update(values)
    entries.append(item)
    _save(path, document)
    return True


def remove_entries(path: Path, table: str, key: dict[str, str]) -> int:
    """Remove the ``[[table]]`` entries matching every given key; how many went."""
    document = _document(path)
    entries = document.get(table)
    if entries is None:
        return 0
    keep = [e for e in entries if not all(e.get(k) == v for k, v in key.items())]
    removed = len(entries) - len(keep)
    if removed:
        document[table] = tomlkit.aot()
        for entry in keep:
            document[table].append(entry)
        _save(path, document)
    return removed
