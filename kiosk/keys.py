"""Keyboard and numeric-keypad keys as the flow's key names, whatever keyboard produced them.

Matches on the character where there is one (so ``*`` typed as Shift+8 works), then on the
keypad's scancodes (a keypad with NumLock off types no character), then on the key's name.
No pygame here: the view layer passes the event's ``unicode``, key name and scancode.
"""

from __future__ import annotations

# The names the flow understands: digits "0"-"9" and these.
ENTER, BACK, LANG, READ, OFFICER, ESCAPE = "enter", "back", "lang", "read", "officer", "escape"
# The keypad's minus (and the main row's): "Gửi đánh giá", send what was answered now.
SEND = "send"

_CHARS = {"/": LANG, "*": READ, "+": OFFICER, "-": SEND, "\r": ENTER, "\n": ENTER, "\b": BACK,
          "\x1b": ESCAPE, **{str(d): str(d) for d in range(10)}}

# USB HID keypad scancodes (SDL uses the same numbers): they identify the key with NumLock
# off too, when SDL reports it as End, Down, Page Down… and types no character.
_KEYPAD_SCANCODES = {84: LANG, 85: READ, 86: SEND, 87: OFFICER, 88: ENTER, 98: "0",
                     **{89 + i: str(i + 1) for i in range(9)}}

_NAMES = {"return": ENTER, "enter": ENTER, "backspace": BACK, "escape": ESCAPE,
          "[/]": LANG, "[*]": READ, "[+]": OFFICER, "[-]": SEND, "-": SEND, "keypad enter": ENTER,
          **{f"[{d}]": str(d) for d in range(10)}, **{f"keypad {d}": str(d) for d in range(10)}}


def key_name(char: str, name: str, scancode: int = 0) -> str | None:
    """The flow's name for a key press, or None for a key the kiosk ignores."""
    if char in _CHARS:
        return _CHARS[char]
    if scancode in _KEYPAD_SCANCODES:
        return _KEYPAD_SCANCODES[scancode]
    return _NAMES.get(name.lower())
