"""Every screen at every listed resolution, driven by real pygame events under the dummy driver.

Each screenshot goes to a temp folder; every text drawn must lie inside its box without being
cut, and every touch target must be at least 10 mm square and apart from the others.
"""

from __future__ import annotations

import json
from pathlib import Path

import pygame
import pytest
from argon2 import PasswordHasher

from kiosk import flow, layout, view
from kiosk.i18n import catalogue
from kiosk.receipt import Receipt
from kiosk.warmup import warm_up_states
from tests.support import wait_until
from tests.support.kiosk import kiosk_settings, recording_speaker, running_app
from tools.drive import Driver

PIN_1234 = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1).hash("1234")
SIZES = [(800, 480), (1024, 600), (1280, 800), (1920, 1080), (1080, 1920)]
# The kiosk's usual panels stay in the quick suite; the big screens take seconds each to draw on a
# loaded machine, so they are `slow` (tests/README.md).
QUICK_SIZES = {(800, 480), (1024, 600)}


def check_frame(drive: Driver, shots: Path, name: str) -> None:
    app = drive.app
    assert app.screen is not None and app.painter is not None and app.layout is not None
    pygame.image.save(app.screen, str(shots / f"{name}.png"))
    assert (shots / f"{name}.png").stat().st_size > 1000
    assert app.painter.drawn, f"{name}: no text drawn"
    for item in app.painter.drawn:
        box, rect = item.box, item.rect
        assert not item.truncated, f"{name}: {item.text!r} had to be cut to fit {box}"
        assert box.x <= rect.x and box.y <= rect.y and rect.right <= box.right \
            and rect.bottom <= box.bottom, f"{name}: {item.text!r} {rect} leaves its box {box}"
    metrics = layout.metrics(app.screen.get_size(), app.settings.kiosk.pixels_per_mm)
    targets = [(t, app.layout.boxes[t]) for t in app.layout.targets if t in app.layout.boxes
               and not (t == "speak" and not app.speaker.available)]
    for target, box in targets:
        assert min(box.w, box.h) >= metrics.target, f"{name}: {target} {box} is under 10 mm"
        assert box.right <= metrics.width and box.bottom <= metrics.height, f"{name}: {target}"
    for i, (a, first) in enumerate(targets):
        for b, second in targets[i + 1:]:
            overlap = (first.x < second.right and second.x < first.right
                       and first.y < second.bottom and second.y < first.bottom)
            assert not overlap, f"{name}: targets {a} and {b} overlap"


def walk_to_thanks(drive: Driver, shots: Path) -> None:
    """Answer every screen after the reasons by keypad, checking each frame: a factor 4, the
    integrity questions "No", two needs (the others dimmed), the 2nd number of visits."""
    app = drive.app
    for press in range(40):
        if app.state.screen != "question":
            return
        question = flow.current_question(app.state, app.rules)
        assert question is not None and app.layout is not None
        check_frame(drive, shots, f"step-{press}-{question.id}")
        if question.type == "multi":
            prefix = "choice:" if len(flow.current_questions(app.state, app.rules)) == 1 \
                else "choice:needs:"
            assert "more" not in app.layout.boxes
            assert all(f"{prefix}{i}" in app.layout.boxes for i in range(8))
            drive.keys("27")
            check_frame(drive, shots, "needs-full")  # two chosen: the others dimmed
            drive.key("enter")
        elif question.is_rating:
            drive.key("4")
        else:
            drive.key("2")
    raise AssertionError("the questionnaire never ended")


@pytest.mark.parametrize("size", [pytest.param(s, id=f"{s[0]}x{s[1]}",
                                               marks=() if s in QUICK_SIZES else pytest.mark.slow)
                                  for s in SIZES])
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_screen_fits_at_every_size(tmp_path: Path, size: tuple[int, int], lang: str) -> None:
    shots = tmp_path / "shots"
    shots.mkdir()
    speaker, _ = recording_speaker(tmp_path)
    settings = kiosk_settings(
        tmp_path, language=lang, counter="Quầy tiếp nhận và trả kết quả số 12",
        office_name="Trung tâm Phục vụ hành chính công tỉnh Thừa Thiên Huế — chi nhánh phường",
        officer="cb-017", officer_name="Nguyễn Thị Thanh Hương",
        complaint_url="https://dichvucong.gov.vn/p/phananhkiennghi",
        complaint_hotline="1900 1234", scanner__port=str(tmp_path / "absent"),
        service_pin_hash=PIN_1234)
    with running_app(settings, size, speaker=speaker) as drive:
        check_frame(drive, shots, "idle")
        drive.key("enter")
        check_frame(drive, shots, "overall")
        drive.key("1")
        check_frame(drive, shots, "reasons")
        drive.keys("1359")
        check_frame(drive, shots, "reasons-chosen")
        if "more" in drive.app.layout.boxes:  # type: ignore[union-attr]
            drive.tap_target("more")
            check_frame(drive, shots, "reasons-page-2")
        drive.key("enter")
        walk_to_thanks(drive, shots)
        assert drive.app.state.screen == "thanks" and drive.app.state.complaint
        check_frame(drive, shots, "thanks-complaint")
        drive.step(6)
        drive.key("enter")
        drive.key("5")
        drive.step(40)  # walked away: kept as incomplete
        drive.step(6)
        drive.app.dispatch(flow.Scan("receipt", Receipt("b" * 64, None, None), None,
                                     frozenset({"receive", "result"}), now=drive.now))
        drive.step()
        check_frame(drive, shots, "notice")
        drive.step(5)
        drive.tap((5, 5), hold=3.1)
        assert drive.app.state.screen == "pin"
        drive.keys("12")
        check_frame(drive, shots, "pin")
        drive.keys("34\n")
        assert drive.app.state.screen == "service"
        drive.tap_target("service:test-scanner")
        check_frame(drive, shots, "service")
        drive.tap_target("service:close")
        assert drive.app.state.screen == "idle"


def test_faces_and_buttons_answer_to_the_mouse(tmp_path: Path) -> None:
    # 800×480: one question per screen
    with running_app(kiosk_settings(tmp_path), (800, 480)) as drive:
        drive.tap((400, 240))  # anywhere on idle starts
        assert drive.app.state.screen == "question"
        assert not drive.app.rules.grouped
        drive.tap_target("face:2")
        assert drive.app.state.session is not None
        assert drive.app.state.session.current == "reasons"
        drive.tap_target("choice:0")
        drive.tap_target("choice:1")
        drive.tap_target("continue")
        drive.tap_target("face:4")
        drive.tap_target("back")
        assert drive.app.state.session.current == "access"
        drive.tap_target("face:3")
        drive.tap_target("skip")
        drive.tap_target("skip")
        drive.tap_target("not-yet")  # result: not received yet
        drive.tap_target("not-yet")  # feedback: I have not given any
        assert drive.app.state.session.current == "integrity-harassment"
        drive.tap_target("choice:1")
        drive.tap_target("send")
        assert drive.app.state.screen == "thanks"
        [row] = drive.app.desk.outbox.due(1e12, 10)
        document = json.loads(row.payload)
        assert document["answers"] == {"overall": 2, "reasons": ["wait", "facilities"],
                                       "access": 3, "integrity-harassment": ["no"]}
        assert document["trigger"] == "tap" and document["complete"] is True
        assert document["questionnaire"] == "sipas@3" and "stage" not in document


def test_the_factors_on_one_screen_by_touch_then_send(tmp_path: Path) -> None:
    with running_app(kiosk_settings(tmp_path), (1024, 600)) as drive:
        drive.key("enter")
        drive.tap_target("face:4")
        assert drive.app.rules.grouped
        boxes = drive.app.layout.boxes  # type: ignore[union-attr]
        assert all(f"face:{q}:{n}" in boxes for q in ("access", "procedure", "officer", "result",
                                                      "feedback") for n in range(1, 6))
        shown = " ".join(d.text for d in drive.app.painter.drawn)  # type: ignore[union-attr]
        assert "Chưa nhận kết quả" in shown and "Tôi chưa góp ý" in shown
        assert "Gửi đánh giá" in shown and "Rất không hài lòng" in shown
        for target in ("face:officer:5", "face:access:2", "not-yet:result", "face:feedback:3"):
            drive.tap_target(target)
        assert drive.app.state.session is not None
        assert drive.app.state.session.current == "access"  # touches stay on the screen
        drive.tap_target("continue")
        shown = " ".join(d.text for d in drive.app.painter.drawn)  # type: ignore[union-attr]
        assert "Ông/Bà có bị gây phiền hà, sách nhiễu không?" in shown and "giữ kín" in shown
        drive.tap_target("choice:integrity-payment:2")
        drive.tap_target("send")
        assert drive.app.state.screen == "thanks"
        [row] = drive.app.desk.outbox.due(1e12, 10)
        document = json.loads(row.payload)
    assert document["answers"] == {"overall": 4, "officer": 5, "access": 2, "feedback": 3,
                                   "integrity-payment": ["decline"]}
    assert document["complete"] is True


def test_the_factors_on_one_screen_by_keypad_and_the_minus_key(tmp_path: Path) -> None:
    with running_app(kiosk_settings(tmp_path), (1280, 800)) as drive:
        drive.keys("\n" "4" "54" "0")  # overall 4; access 5, procedure 4, officer skipped
        drive.key("back")  # up a row, to officer
        drive.keys("2")
        assert drive.app.state.session is not None and drive.app.state.session.row == 3
        keypad(drive, pygame.K_KP_MINUS, "-", 86)  # the keypad's minus: send now
        assert drive.app.state.screen == "thanks"
        [row] = drive.app.desk.outbox.due(1e12, 10)
        document = json.loads(row.payload)
    assert document["answers"] == {"overall": 4, "access": 5, "procedure": 4, "officer": 2}
    assert document["complete"] is True


def test_one_tap_then_walking_away_is_stored_incomplete(tmp_path: Path) -> None:
    with running_app(kiosk_settings(tmp_path)) as drive:
        drive.key("enter")
        drive.key("5")
        drive.step(19)
        assert drive.app.state.screen == "question"
        drive.step(1.5)  # 20 s after the last touch
        assert drive.app.state.screen == "thanks"
        [row] = drive.app.desk.outbox.due(1e12, 10)
        document = json.loads(row.payload)
    assert document["answers"] == {"overall": 5} and document["complete"] is False


def test_a_drumming_finger_on_a_face_is_one_answer(tmp_path: Path) -> None:
    with running_app(kiosk_settings(tmp_path)) as drive:
        drive.key("enter")
        face = drive.app.layout.boxes["face:5"].center  # type: ignore[union-attr]
        for _ in range(10):
            drive.tap(face, gap=0.15)
        assert drive.app.state.session is not None
        assert dict(drive.app.state.session.answers) == {"overall": 5}


def keypad(drive: Driver, key: int, char: str, scancode: int) -> None:
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, unicode=char, mod=0,
                                         scancode=scancode))
    drive.step(0.5)


def test_keypad_keys_with_numlock_on_or_off_and_shifted_characters(tmp_path: Path) -> None:
    speaker, spoken = recording_speaker(tmp_path)
    with running_app(kiosk_settings(tmp_path), speaker=speaker) as drive:
        keypad(drive, pygame.K_KP_ENTER, "\r", 88)
        assert drive.app.state.screen == "question"
        keypad(drive, pygame.K_KP1, "", 89)  # NumLock off: no character, the keypad's scancode
        keypad(drive, pygame.K_KP3, "3", 91)  # NumLock on: the character
        assert drive.app.state.session is not None
        assert dict(drive.app.state.session.answers) == {"overall": 1, "reasons": ("system-down",)}
        keypad(drive, pygame.K_8, "*", 37)  # Shift+8 on the main row: read aloud
        # the speaker process runs on its own: its words are in the file once it has run (and
        # before the next key, which may stop it)
        said = wait_until(lambda: spoken.exists() and spoken.read_text(encoding="utf-8"),
                          message="the question read aloud")
        keypad(drive, pygame.K_KP_DIVIDE, "/", 84)  # language
        assert drive.app.state.lang == "en"
        keypad(drive, pygame.K_BACKSPACE, "\b", 42)
        assert drive.app.state.session.current == "overall"
    assert "Ông/Bà chưa hài lòng về điều gì" in said and "1: Phải chờ lâu" in said


def test_the_speaker_button_is_hidden_without_espeak_or_sound(tmp_path: Path) -> None:
    with running_app(kiosk_settings(tmp_path)) as drive:  # Speaker("off")
        drive.key("enter")
        assert not drive.app.speaker.available
        texts = [d.text for d in drive.app.painter.drawn]  # type: ignore[union-attr]
        assert "Đọc to" not in texts
        drive.key("*")  # nothing happens, nothing breaks
        assert drive.app.state.screen == "question"


def test_catalogues_have_the_same_keys_and_fill_every_field() -> None:
    vi, en = catalogue("vi"), catalogue("en")
    assert set(vi) == set(en)
    for key in vi:
        assert vi[key].count("{") == en[key].count("{"), key


def test_the_officer_on_duty_shows_with_name_and_photo(tmp_path: Path) -> None:
    photo = pygame.Surface((120, 160))
    photo.fill((200, 120, 90))
    pygame.image.save(photo, str(tmp_path / "cb-017.png"))
    settings = kiosk_settings(tmp_path, officer="cb-017", officers="cb-017=Nguyễn Thị Lan",
                              officer_photos=str(tmp_path))
    with running_app(settings) as drive:
        assert "photo" in drive.app.layout.boxes  # type: ignore[union-attr]
        box = drive.app.layout.boxes["photo"]  # type: ignore[union-attr]
        assert drive.app.screen is not None
        pixel = drive.app.screen.get_at(box.center)[:3]  # smoothscaled: within a step or two
        assert all(abs(a - b) <= 3 for a, b in zip(pixel, (200, 120, 90), strict=True))
        texts = " ".join(d.text for d in drive.app.painter.drawn)  # type: ignore[union-attr]
        assert "Cán bộ tiếp nhận: Nguyễn Thị Lan" in texts and "Quầy 1" in texts


def test_a_broken_questionnaire_stops_start_up_with_one_line(tmp_path: Path) -> None:
    from tests.support import hailong_cli, write_toml

    bad = write_toml(tmp_path / "q.toml", 'id = "q"\nversion = "1"\ntitle = {vi = "a", en = "b"}\n'
                     '[[questions]]\nid = "overall"\ntype = "stars"\ntext = {vi = "a", en = "b"}\n')
    config = write_toml(tmp_path / "kiosk.toml", f'[kiosk]\nquestionnaire = "{bad}"\n')
    result = hailong_cli("kiosk", "run", "--config", str(config), "--check-config")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert str(bad) in line and "questions[0].type" in line


def test_a_hospital_kiosk_shows_the_hospital_questionnaire(tmp_path: Path) -> None:
    with running_app(kiosk_settings(tmp_path, kind="hospital"), (800, 480)) as drive:
        assert drive.app.questionnaire.ref == "hospital@1"
        drive.key("enter")
        shown = [item.text for item in drive.app.painter.drawn]  # type: ignore[union-attr]
        assert "Nhìn chung, Ông/Bà hài lòng thế nào với lần khám, chữa bệnh hôm nay?" in shown
        drive.keys("4")
        shown = [item.text for item in drive.app.painter.drawn]  # type: ignore[union-attr]
        assert "Biển báo, chỉ dẫn đường đến các khoa, phòng rõ ràng, dễ tìm" in shown
        drive.keys("55555")
        assert drive.app.state.screen == "thanks"
        [row] = drive.app.desk.outbox.due(1e12, 10)
        document = json.loads(row.payload)
    assert document["questionnaire"] == "hospital@1"
    assert document["answers"] == {"overall": 4, "reach": 5, "information": 5, "amenities": 5,
                                   "staff": 5, "outcome": 5}
    # a questionnaire named in the settings wins over the office's kind
    with running_app(kiosk_settings(tmp_path / "named", kind="hospital", questionnaire="school")
                     ) as drive:
        assert drive.app.questionnaire.ref == "school@1"


def test_the_receipt_has_the_provinces_name_wherever_it_is_named(tmp_path: Path) -> None:
    """``[kiosk] receipt_name`` on the idle screen, the gating notice and the scanner test;
    the catalogue's term appears nowhere, and English keeps its own word."""
    default = catalogue("vi")["receipt_name"]
    settings = kiosk_settings(tmp_path, receipt_name="giấy biên nhận", gating="true",
                              scanner__port=str(tmp_path / "absent"),
                              service_pin_hash=PIN_1234)
    drawn: list[str] = []

    def texts(drive: Driver) -> list[str]:
        assert drive.app.painter is not None
        shown = [item.text for item in drive.app.painter.drawn]
        drawn.extend(shown)
        return shown

    with running_app(settings) as drive:
        assert "Quét mã trên giấy biên nhận" in texts(drive)
        assert "Mời Ông/Bà quét mã trên giấy biên nhận để đánh giá" in texts(drive)
        drive.key("enter")  # gated: the notice asks for the receipt
        assert "Mời Ông/Bà quét mã trên giấy biên nhận" in texts(drive)
        drive.step(5)
        drive.tap((5, 5), hold=3.1)
        drive.keys("1234\n")
        drive.tap_target("service:test-scanner")
        drive.app.dispatch(flow.Scan("receipt", Receipt("c" * 64, None, None), now=drive.now))
        drive.step()
        assert any(text.startswith("Đã nhận mã giấy biên nhận lúc") for text in texts(drive))
        drive.tap_target("service:close")
        drive.key("/")  # the language switch
        assert "Scan the code on your receipt" in texts(drive)
        app = drive.app
        for state in warm_up_states(app.rules, app.state):  # every other screen, both languages
            _, painter = view.draw(pygame.Surface((1024, 600)), app.scene(state), 6.0)
            drawn.extend(item.text for item in painter.drawn)
    assert not [text for text in drawn if default in text]
