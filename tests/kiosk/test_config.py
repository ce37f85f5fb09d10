"""Pushed config (validated, kept on disk, applied at idle, bad ones refused), read-aloud, hash-pin."""

from __future__ import annotations

import json
import tomllib
import wave
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from hailong import contract, resources
from hailong.questionnaire import find_questionnaire
from hailong.settings import SettingsError
from kiosk.pushed import ConfigKeeper, parse_pushed
from kiosk.speech import Speaker
from tests.support import hailong_cli, require
from tests.support.kiosk import kiosk_settings, running_app


def sipas_document() -> dict[str, object]:
    path = resources.questionnaire_dir() / "sipas.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))


def push(version: str, settings: dict[str, object] | None = None,
         questionnaire: dict[str, object] | None = None) -> bytes:
    document: dict[str, object] = {"v": 1, "version": version, "settings": settings or {}}
    if questionnaire is not None:
        document["questionnaire"] = questionnaire
    return contract.encode(document)


def test_a_pushed_config_overrides_kiosk_keys_and_can_carry_a_questionnaire(tmp_path: Path) -> None:
    base = kiosk_settings(tmp_path)
    short = sipas_document()
    short["version"] = "3-short"
    for question in short["questions"]:  # type: ignore[union-attr]
        if question["id"] in ("visits", "officer", "needs"):
            question["enabled"] = False
    pushed = parse_pushed(push("2026-11-23.1", {"counter": "Quầy 5", "idle_timeout": 45},
                               short), base)
    assert pushed.settings.kiosk.counter == "Quầy 5"
    assert pushed.settings.kiosk.idle_timeout == 45
    assert pushed.settings.kiosk.office == base.kiosk.office
    assert pushed.questionnaire.ref == "sipas@3-short"
    assert [q.id for q in pushed.questionnaire.enabled_questions] == [
        "overall", "reasons", "access", "procedure", "result", "feedback", "integrity-harassment",
        "integrity-payment"]


@pytest.mark.parametrize(("payload", "expected"), [
    (b"not json", "pushed config: payload is not JSON"),
    (contract.encode({"v": 2, "version": "x"}), "pushed config: config: v must be"),
    (push("x", {"idle_timeout": 2}), "pushed config x: [kiosk] idle_timeout: expected greater than"),
    (push("x", {"colour": "red"}), "pushed config x: [kiosk] colour: unknown key"),
    (push("x", {"id": "k99"}), "pushed config x: [kiosk] id: cannot be pushed"),
    (push("x", {"receipt_key": "leaked"}), "[kiosk] receipt_key: cannot be pushed"),
    (push("x", {}, {"id": "q", "version": "1", "title": {"vi": "a", "en": "b"}, "questions": []}),
     "pushed config x: questionnaire: questions: List should have at least 1 item"),
    (push("x", {"questionnaire": "nonexistent"}), "questionnaire 'nonexistent' not found"),
])
def test_bad_pushed_configs_are_refused_with_a_clear_reason(
        tmp_path: Path, payload: bytes, expected: str) -> None:
    with pytest.raises(SettingsError) as caught:
        parse_pushed(payload, kiosk_settings(tmp_path))
    assert expected in str(caught.value)
    assert "leaked" not in str(caught.value)


def test_the_keeper_stores_reports_and_survives_a_restart(tmp_path: Path) -> None:
    base = kiosk_settings(tmp_path)
    path = tmp_path / "pushed.json"
    keeper = ConfigKeeper(base, path)
    keeper.received(push("v1", {"counter": "7"}))
    assert keeper.status() == {"version": "v1", "state": "pending", "error": None}
    keeper.received(push("v2", {"idle_timeout": 1}))
    assert keeper.status()["state"] == "refused"  # type: ignore[index]
    assert "idle_timeout" in keeper.status()["error"]  # type: ignore[index]
    pending = keeper.take_pending()
    assert pending is not None and pending.version == "v1"
    assert keeper.status() == {"version": "v1", "state": "applied", "error": None}
    keeper.received(push("v1", {"counter": "7"}))  # the retained copy after a reconnect
    assert keeper.take_pending() is None
    again = ConfigKeeper(base, path).load_stored()
    assert again is not None and again.settings.kiosk.counter == "7"
    assert json.loads(path.read_text())["version"] == "v1"


def test_the_app_applies_a_pushed_config_only_at_idle(tmp_path: Path) -> None:
    with running_app(kiosk_settings(tmp_path)) as drive:
        app = drive.app
        drive.key("enter")
        app.keeper.received(push("v7", {"counter": "Quầy 9", "language": "en"}))
        drive.key("4")
        assert app.settings.kiosk.counter == "1"  # a citizen is answering: not now
        drive.step(40)
        drive.step(6)
        assert app.state.screen == "idle"
        assert app.settings.kiosk.counter == "Quầy 9" and app.state.lang == "en"
        assert app._status_fields()["config"] == {"version": "v7", "state": "applied", "error": None}
        drive.key("enter")
        drive.keys("5-")  # one tap, then Send
        document = json.loads(app.desk.outbox.due(1e12, 10)[-1].payload)
        assert document["counter"] == "Quầy 9" and document["lang"] == "en"


def test_espeak_ng_reads_vietnamese_for_real(tmp_path: Path) -> None:
    speaker = Speaker("on")
    require("espeak-ng", bool(speaker.binary), "sudo apt-get install -y espeak-ng")
    from kiosk import flow

    question = find_questionnaire("sipas").question("overall")
    assert question is not None
    wav = tmp_path / "overall.wav"
    speaker.render(flow.spoken_text(question, "vi"), "vi", wav)
    with wave.open(str(wav)) as audio:
        seconds = audio.getnframes() / audio.getframerate()
    assert seconds > 5  # the question and its five answers, spoken slowly


# How long the stand-in espeak-ng speaks: far longer than starting it takes, even on a busy machine.
SPEAKS_FOR = 60.0


def test_speaking_never_blocks(tmp_path: Path) -> None:
    import time

    slow = tmp_path / "espeak-ng"
    slow.write_text(f"#!/bin/sh\nexec sleep {SPEAKS_FOR:.0f}\n", encoding="utf-8")
    slow.chmod(0o755)
    speaker = Speaker("on", binary=str(slow))
    started = time.monotonic()
    speaker.say("Xin chào", "vi")
    speaker.say("Xin chào lần nữa", "vi")  # interrupts the first
    # A loose bound (a loaded machine may take seconds to start a process): had either call
    # waited for the speech, the two would take at least SPEAKS_FOR.
    assert time.monotonic() - started < SPEAKS_FOR / 2
    speaker.stop()


def test_auto_mode_hides_the_button_without_a_sound_output(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from kiosk import speech

    monkeypatch.setattr(speech, "sound_output_present", lambda environ=None: False)
    assert not Speaker("auto", binary="/usr/bin/espeak-ng").available
    assert not Speaker("on", binary="").available  # not installed
    assert Speaker("on", binary="/usr/bin/espeak-ng").available


@pytest.mark.slow  # the CLI in a child process, and an argon2 hash
def test_hash_pin_makes_an_argon2_hash_the_kiosk_accepts(tmp_path: Path) -> None:
    result = hailong_cli("kiosk", "hash-pin", "4821")
    assert result.returncode == 0, result.stderr
    hashed = result.stdout.strip()
    assert hashed.startswith("$argon2id$") and "4821" not in hashed
    assert PasswordHasher().verify(hashed, "4821")
    with running_app(kiosk_settings(tmp_path, service_pin_hash=hashed)) as drive:
        assert drive.app.check_pin("4821") and not drive.app.check_pin("4822")
    bad = hailong_cli("kiosk", "hash-pin", "12a4")
    assert bad.returncode == 2 and "4 to 12 digits" in bad.stderr and "Traceback" not in bad.stderr
