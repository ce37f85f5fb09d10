"""The kiosk's settings: one validated object read from kiosk.toml and HAILONG_* variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from hailong.questionnaire import OfficeKind, questionnaire_for
from hailong.settings import DatabaseSettings, DataSettings, Id, MqttSettings, Section, sqlite_url

# The receipt pattern of Thông tư 01/2018/TT-VPCP: <unit code>-<YYMMDD>-<NNNN>; the unit code
# varies in length and contains dots, so the date and number are taken from the last two hyphens.
DEFAULT_RECEIPT_PATTERN = r"^(?P<unit>[A-Za-z0-9][A-Za-z0-9.]*)-(?P<date>\d{6})-(?P<number>\d{4})$"
DEFAULT_OFFICER_PATTERN = r"^CB[:\-](?P<officer>[A-Za-z0-9._-]{1,64})$"


class KioskSection(Section):
    """Who this kiosk is, and how it treats the citizen in front of it."""

    office: Id = Field("demo", description="Office id (lower-case letters, digits, hyphens)")
    id: Id = Field("kiosk-1", description="This kiosk's id, unique within the office")
    counter: str = Field("1", min_length=1, max_length=64,
                         description="Label of the counter (quầy) the kiosk stands beside")
    office_name: str = Field("Bộ phận Một cửa", description="Office name shown on the idle screen")
    officer: str = Field("", max_length=64,
                         description="Code of the officer on duty; empty when none is assigned")
    officer_name: str = Field("", description="Officer's display name on the idle screen")
    officer_photo: str = Field("", description="Path of the officer's photo (PNG/JPEG); optional")
    officers: list[str] = Field(
        default_factory=list,
        description="Officers an officer card can switch to, as \"CODE=Display name\" entries")
    officer_photos: str = Field(
        "", description="Folder of officer photos named CODE.png or CODE.jpg; optional")
    kind: OfficeKind = Field(
        "admin", description="The office's kind: admin, hospital or school; picks the bundled "
        "questionnaire when `questionnaire` is empty")
    questionnaire: str = Field(
        "", description="Questionnaire id (a bundled one) or path of a questionnaire TOML file; "
        "empty: the bundled one of `kind` (sipas, hospital, school)")
    language: Literal["vi", "en"] = Field("vi", description="Language each citizen starts in")
    # 20 s: one tap already counts and a scan or the officer's "+" ends a response at once, so
    # the time-out only guards a kiosk without either; 20 s still outlasts reading the longest
    # screen (the integrity questions and their note) at a slow pace, and halves the 30 s in
    # which the next citizen's taps could join a response left behind.
    idle_timeout: int = Field(
        20, ge=5, le=600,
        description="Seconds without a touch before the kiosk stores what was answered "
        "(complete: false) and returns to idle")
    stage: Literal["receive", "result", "any"] = Field(
        "any", description="The moment of the dossier this kiosk rates: receive (beside the "
        "receiving counter), result (where results are handed back) or any (it asks, after a "
        "receipt scan, when it has to)")
    min_interval: float = Field(
        5.0, ge=0, le=300,
        description="Seconds after a stored response during which a new start or scan is ignored")
    thank_you_seconds: float = Field(5.0, ge=3, le=60,
                                     description="Seconds the thank-you screen stays up")
    reasons_threshold: int = Field(3, ge=1, le=5,
                                   description="Overall answers at or below this open the reasons")
    complaint_threshold: int = Field(
        2, ge=0, le=5,
        description="Overall answers at or below this show the complaint channel (0 never)")
    complaint_url: str = Field("", description="Official complaint channel URL, shown as a QR code")
    complaint_hotline: str = Field("", description="Official complaint hotline shown after a low rating")
    receipt_name: str = Field(
        "", max_length=80,
        description="The province's Vietnamese name of the receipt, used wherever the kiosk "
        "names it (e.g. \"giấy biên nhận\"); empty: the term of kiosk/locale/vi.toml, "
        "\"giấy hẹn trả kết quả\"")
    gating: bool = Field(
        False, description="Open the questionnaire only after a receipt scan or the officer's signal")
    receipt_key: SecretStr = Field(
        SecretStr(""),
        description="Deployment-wide secret for hashing dossier codes; same on every kiosk, never "
        "on the hub")
    receipt_key_file: str = Field(
        "", description="File holding the receipt key; empty means receipt.key in the data folder "
        "(generated with a warning when missing)")
    service_pin_hash: str = Field(
        "", description="Hash of the service-screen PIN (`hailong kiosk hash-pin`); empty disables it")
    read_aloud: Literal["auto", "on", "off"] = Field(
        "auto",
        description="Speaker button: auto shows it when espeak-ng and a sound output exist; on "
        "shows it whenever espeak-ng is installed; off hides it")
    pixels_per_mm: float = Field(
        6.0, ge=2, le=20,
        description="Screen density, used to keep every touch target at least 10 mm wide; 6 suits "
        "7-10 inch panels (a 21.5-inch full-HD panel is about 4)")
    show_results: bool = Field(
        False, description="Show on the idle screen the office's last complete month in one "
        "line (\"Tháng 11/2026: 92% người dân hài lòng (184 lượt)\") and one action done, from "
        "the hub's retained hailong/v1/{office}/results message")
    retention_days: int = Field(30, ge=1, le=3650,
                                description="Days acknowledged responses stay in the outbox")
    # On by default: a citizen in a hurry walks away unrated otherwise, and the link carries only
    # the receipt's keyed hash. Off for an office whose hub serves no phone questionnaire.
    phone_link: bool = Field(
        True, description="After a receipt scan, ask the hub for a signed link to the phone "
        "questionnaire and show it as a QR code (thank-you, and \"Rate later on my phone\")")


    def questionnaire_name(self) -> str:
        """The questionnaire to load: the one set, else the bundled one of the office's kind."""
        return questionnaire_for(self.questionnaire, self.kind)

    def officer_names(self) -> dict[str, str]:
        """The ``officers`` list as code → display name (a bare code names itself)."""
        names: dict[str, str] = {}
        for entry in self.officers:
            code, _, name = entry.partition("=")
            names[code.strip()] = name.strip() or code.strip()
        if self.officer and self.officer_name:
            names.setdefault(self.officer, self.officer_name)
        return names


class ScannerSection(Section):
    """The serial receipt scanner."""

    port: str = Field("", description="Serial device (e.g. /dev/ttyACM0), `auto`, or empty for none")
    baudrate: int = Field(9600, ge=300, le=4_000_000, description="Serial speed of the scanner")
    receipt_pattern: str = Field(DEFAULT_RECEIPT_PATTERN,
                                 description="Regular expression a receipt code must match")
    officer_pattern: str = Field(DEFAULT_OFFICER_PATTERN,
                                 description="Regular expression of an officer card; group `officer`")


class KioskSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kiosk: KioskSection = Field(default_factory=KioskSection)  # type: ignore[arg-type]
    scanner: ScannerSection = Field(default_factory=ScannerSection)  # type: ignore[arg-type]
    mqtt: MqttSettings = Field(default_factory=MqttSettings)  # type: ignore[arg-type]
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)  # type: ignore[arg-type]
    data: DataSettings = Field(default_factory=DataSettings)  # type: ignore[arg-type]

    def data_dir(self) -> Path:
        return self.data.path()

    def database_url(self) -> str:
        return self.database.url or sqlite_url(self.data_dir() / f"outbox-{self.kiosk.id}.db")
