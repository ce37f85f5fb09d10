"""Questionnaires: versioned TOML files of questions, read and checked the same way by kiosk and hub.

The kiosk asks the questions; the hub needs the same file to know which answers are ratings,
which factor each belongs to, and which question ids are unknown for a given version.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from hailong import resources
from hailong.settings import SettingsError

DEFAULT_ID = "sipas"
QUESTION_ID = r"^[a-z0-9][a-z0-9_-]{0,62}$"
CHOICE_ID = r"^[A-Za-z0-9][A-Za-z0-9_+-]{0,62}$"
FACTORS = ("overall", "1", "2", "3", "4", "5")
# Keys 1-9 pick a choice on a keypad; more choices are still reachable by touch.
MAX_CHOICES = 32
# The moments of a dossier a response can be about (see shared/domain.md, "Two moments").
Stage = Literal["receive", "result"]
OfficeKind = Literal["admin", "hospital", "school"]
# The bundled questionnaire a kiosk shows when its settings name none: by its office's kind.
KIND_QUESTIONNAIRES: dict[str, str] = {"admin": DEFAULT_ID, "hospital": "hospital",
                                       "school": "school"}
# Earlier versions of bundled questionnaires, kept so the hub still reads responses of kiosks
# not yet updated; kiosks never pick a questionnaire from here by id.
ARCHIVE = "archive"


def _match(pattern: str, what: str) -> Any:
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.match(value):
            raise ValueError(f"expected {what} matching {pattern}")
        return value

    return AfterValidator(check)


def _to_str(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """Wording in both languages; Vietnamese first."""

    vi: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.vi


class Choice(_Strict):
    id: Annotated[str, _match(CHOICE_ID, "a choice id")]
    text: Text
    factor: Annotated[str | None, BeforeValidator(_to_str)] = None
    # Reasons such as harassment or unofficial payments: counted, never shown per officer in
    # small cells.
    sensitive: bool = False


# The three answers of a ``yesno`` question, in key order 1/2/3, unless the file lists its own.
YESNO_CHOICES = (
    Choice(id="yes", text=Text(vi="Có", en="Yes")),
    Choice(id="no", text=Text(vi="Không", en="No")),
    Choice(id="decline", text=Text(vi="Không muốn trả lời", en="I prefer not to say")),
)


class Group(_Strict):
    """Questions shown together on one screen where the screen can hold them."""

    note: Text | None = Field(None, description="a sentence shown under the group's questions")


class Condition(_Strict):
    """Show a question only when an earlier rating lies within [min, max]."""

    question: str
    min: int = Field(1, ge=1, le=5)
    max: int = Field(5, ge=1, le=5)

    def holds(self, answers: Mapping[str, Any]) -> bool:
        value = answers.get(self.question)
        return isinstance(value, int) and self.min <= value <= self.max


class Question(_Strict):
    id: Annotated[str, _match(QUESTION_ID, "a question id")]
    type: Literal["rating", "single", "multi", "yesno"]
    text: Text
    factor: Annotated[str | None, BeforeValidator(_to_str)] = None
    choices: list[Choice] = Field(default_factory=list, max_length=MAX_CHOICES)
    max_choices: int | None = Field(None, ge=1, description="multi: at most this many choices")
    not_yet: Text | None = None
    show_if: Condition | None = None
    enabled: bool = True
    group: str | None = Field(None, description="questions of one group share a screen where "
                              "it can hold them; a group's questions follow one another")
    stage: Stage | None = Field(None, description="asked only at this moment of the dossier "
                                "(or when the moment is not known)")
    sensitive: bool = Field(False, description="an integrity question: the hub keeps its answers "
                            "only as counts per office, day and channel")
    replaces_choice: str | None = Field(
        None, description="a reason chip of earlier versions that this question replaces: a "
        "response of those versions with the chip counts here as a \"yes\"")

    @model_validator(mode="before")
    @classmethod
    def _yesno_choices(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and data.get("type") == "yesno" and not data.get("choices"):
            return {**data, "choices": [c.model_dump() for c in YESNO_CHOICES]}
        return data

    @model_validator(mode="after")
    def _check(self) -> Question:
        if self.factor is not None and self.factor not in FACTORS:
            raise ValueError(f"factor must be one of {', '.join(FACTORS)}")
        if self.type == "rating" and self.choices:
            raise ValueError("a rating question has no choices (the 5-level scale is fixed)")
        if self.type != "rating" and not self.choices:
            raise ValueError(f"a {self.type} question needs choices")
        if self.type == "yesno" and [c.id for c in self.choices] != [c.id for c in YESNO_CHOICES]:
            raise ValueError("a yesno question's choices are yes, no, decline (in this order)")
        if self.type != "rating" and self.not_yet is not None:
            raise ValueError("not_yet is only for rating questions")
        if self.max_choices is not None and self.type != "multi":
            raise ValueError("max_choices is only for multi questions")
        if self.max_choices is not None and self.max_choices > len(self.choices):
            raise ValueError(f"max_choices {self.max_choices} is more than the "
                             f"{len(self.choices)} choices")
        ids = [c.id for c in self.choices]
        if len(ids) != len(set(ids)):
            raise ValueError("choice ids must be unique")
        return self

    @property
    def is_rating(self) -> bool:
        return self.type == "rating"

    def too_many(self, chosen: int) -> bool:
        """Whether ``chosen`` choices are more than this question allows."""
        return self.max_choices is not None and chosen > self.max_choices


class Questionnaire(_Strict):
    id: Annotated[str, _match(r"^[a-z0-9][a-z0-9._-]{0,62}$", "a questionnaire id")]
    version: Annotated[str, BeforeValidator(_to_str), _match(r"^[A-Za-z0-9._-]{1,32}$", "a version")]
    kind: OfficeKind = "admin"
    example: bool = Field(False, description="an example to adapt, not an official form")
    title: Text
    factors: dict[str, Text] = Field(default_factory=dict)
    groups: dict[str, Group] = Field(default_factory=dict)
    questions: list[Question] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> Questionnaire:
        seen: dict[str, Question] = {}
        closed: set[str] = set()
        previous: str | None = None
        for question in self.questions:
            if question.group != previous and previous is not None:
                closed.add(previous)
            if question.group in closed:
                raise ValueError(f"question {question.id!r}: the questions of group "
                                 f"{question.group!r} must follow one another")
            previous = question.group
            if question.id in seen:
                raise ValueError(f"question id {question.id!r} appears twice")
            cond = question.show_if
            if cond is not None:
                earlier = seen.get(cond.question)
                if earlier is None or not earlier.is_rating:
                    raise ValueError(
                        f"question {question.id!r}: show_if must name an earlier rating "
                        f"question, not {cond.question!r}")
                if cond.min > cond.max:
                    raise ValueError(f"question {question.id!r}: show_if min is above max")
            if question.factor not in (None, "overall") and question.factor not in self.factors:
                raise ValueError(
                    f"question {question.id!r}: factor {question.factor!r} is not in [factors]")
            seen[question.id] = question
        if not any(q.is_rating and q.enabled for q in self.questions):
            raise ValueError("at least one rating question must be enabled")
        return self

    @property
    def ref(self) -> str:
        """How responses name this questionnaire: ``{id}@{version}``."""
        return f"{self.id}@{self.version}"

    @property
    def enabled_questions(self) -> list[Question]:
        return [q for q in self.questions if q.enabled]

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def group_note(self, group: str | None) -> Text | None:
        info = self.groups.get(group) if group else None
        return info.note if info else None

    def rating_ids(self) -> list[str]:
        return [q.id for q in self.questions if q.is_rating]


def _location(loc: Iterable[Any]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def parse_questionnaire(data: Mapping[str, Any], source: str) -> Questionnaire:
    try:
        return Questionnaire.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        message = re.sub(r"^Input should be", "expected", message)
        if err.get("type") == "extra_forbidden":
            message = "unknown key"
        more = f" (and {exc.error_count() - 1} more problem(s))" if exc.error_count() > 1 else ""
        raise SettingsError(f"{source}: {_location(err.get('loc', ()))}: {message}{more}") from None


def load_questionnaire(path: Path) -> Questionnaire:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(f"{path}: questionnaire file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}: cannot read the questionnaire ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from None
    return parse_questionnaire(data, str(path))


def bundled_questionnaires() -> list[Path]:
    return sorted(resources.questionnaire_dir().glob("*.toml"))


def find_questionnaire(name: str, extra_dirs: Iterable[Path] = ()) -> Questionnaire:
    """A questionnaire by file path, or by id among the extra folders and the bundled ones."""
    candidate = Path(name)
    if candidate.suffix == ".toml" or "/" in name:
        return load_questionnaire(candidate)
    for folder in [*extra_dirs, resources.questionnaire_dir()]:
        path = Path(folder) / f"{name}.toml"
        if path.exists():
            return load_questionnaire(path)
    raise SettingsError(f"questionnaire {name!r} not found (looked for {name}.toml in "
                        f"{', '.join(str(p) for p in [*extra_dirs, resources.questionnaire_dir()])})")


def questionnaire_for(name: str, kind: str) -> str:
    """What a kiosk loads: ``name`` when set, else the bundled questionnaire of its office's kind."""
    return name or KIND_QUESTIONNAIRES[kind]


def load_catalog(extra_dirs: Iterable[Path] = ()) -> dict[str, Questionnaire]:
    """Every questionnaire the hub knows, by ``ref`` (``id@version``); archived versions first,
    so the current wording of a question id comes last and wins where the last one counts."""
    catalog: dict[str, Questionnaire] = {}
    paths = [*sorted((resources.questionnaire_dir() / ARCHIVE).glob("*.toml")),
             *bundled_questionnaires()]
    for folder in extra_dirs:
        paths += sorted(Path(folder).glob("*.toml"))
    for path in paths:
        questionnaire = load_questionnaire(path)
        catalog[questionnaire.ref] = questionnaire
    return catalog
