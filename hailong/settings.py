"""Typed settings for both apps: TOML file plus HAILONG_<SECTION>_<KEY> overrides, one clear error.

Each app declares a root model whose fields are sections (``[mqtt]``, ``[database]`` …); every
key has a default and a description, which ``docs/configuration.md`` is generated from. A
mistake in the file or the environment becomes one :class:`SettingsError` line that names the
file (or variable), the key and what was expected, never a traceback.
"""

from __future__ import annotations

import os
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit

import platformdirs
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, ValidationError

ENV_PREFIX = "HAILONG_"

ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"
_ID_RE = re.compile(ID_PATTERN)
ID_EXPECTED = (
    "an id of 1-63 lower-case letters, digits and hyphens, starting with a letter or digit"
)


class SettingsError(Exception):
    """A configuration mistake, worded for the person who made it."""


def check_id(value: str) -> str:
    if not _ID_RE.match(value):
        raise ValueError(f"expected {ID_EXPECTED}")
    return value


Id = Annotated[str, AfterValidator(check_id)]


DEFAULT_MQTT_URL = "mqtt://127.0.0.1:1883"


def check_mqtt_url(value: str) -> str:
    if value == "":
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
        raise ValueError("expected mqtt://HOST[:PORT] or mqtts://HOST[:PORT]")
    try:
        parts.port  # noqa: B018 - raises on a non-numeric port
    except ValueError as exc:
        raise ValueError("expected a numeric port in mqtt://HOST[:PORT]") from exc
    return value


class Section(BaseModel):
    """Base of every settings section: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class MqttSettings(Section):
    """The MQTT broker connection."""

    url: Annotated[str, AfterValidator(check_mqtt_url)] = Field(
        "",
        description="Broker URL, mqtt://HOST:PORT or mqtts://HOST:PORT; empty means "
        "mqtt://127.0.0.1:1883 (and a private broker in `hailong demo`)",
    )
    username: str = Field("", description="Broker user name; empty for none")
    password: SecretStr = Field(SecretStr(""), description="Broker password; empty for none")
    ca_file: str = Field(
        "", description="CA certificate (PEM) that signed the broker's TLS certificate, for mqtts://"
    )
    keepalive: int = Field(
        30, ge=5, le=600,
        description="Seconds between MQTT keep-alive pings; the broker declares a silent client "
        "gone after 1.5 times this",
    )

    @property
    def effective_url(self) -> str:
        return self.url or DEFAULT_MQTT_URL

    @property
    def host(self) -> str:
        return urlsplit(self.effective_url).hostname or "127.0.0.1"

    @property
    def port(self) -> int:
        parts = urlsplit(self.effective_url)
        return parts.port or (8883 if parts.scheme == "mqtts" else 1883)

    @property
    def tls(self) -> bool:
        return urlsplit(self.effective_url).scheme == "mqtts"


class DataSettings(Section):
    """Where files are kept."""

    dir: str = Field(
        "",
        description="Folder for databases and generated files; empty means the user's data "
        "directory (e.g. ~/.local/share/hailong)",
    )

    def path(self) -> Path:
        folder = Path(self.dir).expanduser() if self.dir else Path(
            platformdirs.user_data_dir("hailong", appauthor=False)
        )
        return folder


class DatabaseSettings(Section):
    """The database (the hub's store, the kiosk's outbox)."""

    url: str = Field(
        "",
        description="SQLAlchemy database URL; empty means a SQLite file in the data folder",
    )


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


Model = TypeVar("Model", bound=BaseModel)


def _section_types(model: type[BaseModel]) -> dict[str, type[Section]]:
    found: dict[str, type[Section]] = {}
    for name, field in model.model_fields.items():
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, Section):
            found[name] = ann
    return found


def _is_list(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_is_list(a) for a in typing.get_args(annotation))
    return origin in (list, tuple)


def env_name(section: str, key: str) -> str:
    return f"{ENV_PREFIX}{section.upper()}_{key.upper()}"


def _apply_env(
    model: type[BaseModel], data: dict[str, Any], env: Mapping[str, str]
) -> dict[tuple[str, str], str]:
    """Copy HAILONG_<SECTION>_<KEY> values into ``data``; return where each came from."""
    origins: dict[tuple[str, str], str] = {}
    for section, section_type in _section_types(model).items():
        for key, field in section_type.model_fields.items():
            name = env_name(section, key)
            if name not in env:
                continue
            raw = env[name]
            value: Any = raw
            if _is_list(field.annotation):
                value = [item.strip() for item in raw.split(",") if item.strip()]
            target = data.setdefault(section, {})
            if not isinstance(target, dict):
                continue  # the file's own error is reported by validation
            target[key] = value
            origins[(section, key)] = f"environment variable {name}"
    return origins


def _describe_error(
    error: Mapping[str, Any], source: str, origins: Mapping[tuple[str, str], str],
    model: type[BaseModel],
) -> str:
    loc = [str(part) for part in error.get("loc", ())]
    where = source
    if len(loc) >= 2 and (loc[0], loc[1]) in origins:
        where = origins[(loc[0], loc[1])]
    if not loc:
        key = "(top level)"
    elif len(loc) == 1:
        key = f"[{loc[0]}]"
    else:
        key = f"[{loc[0]}] {'.'.join(loc[1:])}"
    kind = error.get("type", "")
    message = str(error.get("msg", "invalid value"))
    if kind == "extra_forbidden":
        sections = _section_types(model)
        if len(loc) == 1:
            message = f"unknown section; expected one of: {', '.join(sorted(sections))}"
        elif loc[0] in sections:
            keys = ", ".join(sections[loc[0]].model_fields)
            message = f"unknown key; expected one of: {keys}"
        else:
            message = "unknown key"
    else:
        message = message.removeprefix("Value error, ")
        message = re.sub(r"^Input should be", "expected", message)
        if kind == "model_type" and len(loc) == 1:
            message = "expected a [section] table of keys"
        # a whole section's table (a check across its keys) is not shown: it may hold secrets
        if ("input" in error and kind not in ("missing", "model_type")
                and not isinstance(error["input"], dict)):
            shown = error["input"]
            if isinstance(shown, SecretStr) or "password" in key or "key" in key.split()[-1]:
                shown = "…"
            message = f"{message} (got {shown!r})"
    return f"{where}: {key}: {message}"


def load_settings(
    model: type[Model], path: Path | str | None, env: Mapping[str, str] | None = None
) -> Model:
    """Read ``path`` (optional) and the environment into ``model``, or raise SettingsError."""
    env = os.environ if env is None else env
    data: dict[str, Any] = {}
    source = "defaults"
    if path is not None:
        path = Path(path)
        source = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise SettingsError(f"{path}: file not found") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise SettingsError(f"{path}: cannot read the file ({exc})") from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{path}: not valid TOML: {exc}") from None
    origins = _apply_env(model, data, env)
    return validate_settings(model, data, source, origins)


def validate_settings(model: type[Model], data: Mapping[str, Any], source: str,
                      origins: Mapping[tuple[str, str], str] | None = None) -> Model:
    """``data`` as ``model``, or SettingsError naming ``source``, the key and what was expected."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        first = _describe_error(errors[0], source, origins or {}, model)
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        raise SettingsError(first + more) from None


def render_settings(settings: BaseModel) -> str:
    """The effective settings as TOML-like text, secrets masked, for ``--check-config``."""
    lines: list[str] = []
    for section in type(settings).model_fields:
        value = getattr(settings, section)
        if not isinstance(value, Section):
            continue
        lines.append(f"[{section}]")
        for key in type(value).model_fields:
            item = getattr(value, key)
            if isinstance(item, SecretStr):
                shown = '"********"' if item.get_secret_value() else '""'
            elif isinstance(item, bool):
                shown = "true" if item else "false"
            elif isinstance(item, str):
                shown = _toml_str(item)
            elif isinstance(item, (list, tuple)):
                shown = "[" + ", ".join(
                    _toml_str(v) if isinstance(v, str) else str(v) for v in item) + "]"
            else:
                shown = str(item)
            lines.append(f"{key} = {shown}")
        lines.append("")
    return "\n".join(lines)


def _toml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def describe_settings(model: type[BaseModel], title: str) -> str:
    """A Markdown table per section: key, default, environment variable, description."""
    out = [f"## {title}", ""]
    for section, section_type in _section_types(model).items():
        doc = (section_type.__doc__ or "").strip().splitlines()
        out.append(f"### `[{section}]`")
        out.append("")
        if doc and doc[0]:
            out += [doc[0], ""]
        out.append("| key | default | environment | description |")
        out.append("|---|---|---|---|")
        for key, field in section_type.model_fields.items():
            default = field.default
            if isinstance(default, SecretStr):
                default = ""
            if isinstance(default, str):
                shown = f'`"{default}"`'
            elif isinstance(default, bool):
                shown = f"`{'true' if default else 'false'}`"
            elif isinstance(default, (list, tuple)):
                shown = "`[" + ", ".join(f'"{v}"' for v in default) + "]`"
            else:
                shown = f"`{default}`"
            description = (field.description or "").replace("|", "\\|")
            out.append(f"| `{key}` | {shown} | `{env_name(section, key)}` | {description} |")
        out.append("")
    return "\n".join(out)
