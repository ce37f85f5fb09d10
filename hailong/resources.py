"""Where the package data lives (schemas, questionnaires, fonts), whatever the working directory."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def config_dir() -> Path:
    """The installed copy of the repository's ``config/`` folder."""
    return Path(str(resources.files("hailong.config")))


def schema_path(name: str) -> Path:
    return config_dir() / "schema" / f"{name}.schema.json"


def questionnaire_dir() -> Path:
    return config_dir() / "questionnaires"


def serif_font_path(bold: bool = False) -> Path:
    """Liberation Serif: Times New Roman's metrics (the face NĐ 30 names for official
    documents) and every Vietnamese letter, under the OFL; the hub's PDFs embed it."""
    name = "LiberationSerif-Bold.ttf" if bold else "LiberationSerif-Regular.ttf"
    return Path(str(resources.files("hailong.fonts"))) / name


def font_path(bold: bool = False) -> Path:
    name = "NotoSans-Bold.ttf" if bold else "NotoSans-Regular.ttf"
    return Path(str(resources.files("hailong.fonts"))) / name
