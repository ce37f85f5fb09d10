"""Read-aloud with espeak-ng, for citizens who read little; never blocks the screen.

The speaker button is shown only when espeak-ng is installed and (in ``auto`` mode) a sound
output exists. Speaking starts a process and returns at once; a new request interrupts the
one still speaking.
"""

from __future__ import annotations

import glob
import logging
import os
import shutil
import subprocess
from pathlib import Path

log = logging.getLogger(__name__)

VOICES = {"vi": "vi", "en": "en"}
# Slower than espeak-ng's default of 175 words a minute: the listeners are often elderly.
WORDS_PER_MINUTE = 140


def sound_output_present(environ: dict[str, str] | None = None) -> bool:
    """An ALSA playback device, or a PulseAudio / PipeWire server to play through."""
    env = os.environ if environ is None else environ
    if glob.glob("/dev/snd/pcmC*D*p") or env.get("PULSE_SERVER"):
        return True
    runtime = env.get("XDG_RUNTIME_DIR", "")
    return bool(runtime) and any(Path(runtime, name).exists()
                                 for name in ("pulse/native", "pipewire-0"))


class Speaker:
    def __init__(self, mode: str = "auto", binary: str | None = None) -> None:
        self.binary = binary if binary is not None else (shutil.which("espeak-ng") or "")
        installed = bool(self.binary)
        self.available = installed and (mode == "on" or (mode == "auto" and sound_output_present()))
        self._process: subprocess.Popen[bytes] | None = None

    def command(self, text: str, lang: str) -> list[str]:
        return [self.binary, "-v", VOICES.get(lang, "vi"), "-s", str(WORDS_PER_MINUTE), "--", text]

    def say(self, text: str, lang: str) -> None:
        """Start speaking ``text``; returns at once."""
        if not self.available:
            return
        self.stop()
        try:
            self._process = subprocess.Popen(self.command(text, lang), stdin=subprocess.DEVNULL,
                                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError as exc:
            log.warning("cannot start espeak-ng (%s); read-aloud is off", exc)
            self.available = False

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(1)
            except subprocess.TimeoutExpired:
                process.kill()

    def render(self, text: str, lang: str, wav: Path) -> None:
        """Speak into a WAV file instead of the sound card (tests and diagnostics)."""
        command = self.command(text, lang)
        subprocess.run([*command[:-2], "-w", str(wav), *command[-2:]], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
