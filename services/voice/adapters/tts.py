"""Text to speech behind :class:`TtsEngine` (a neural engine can replace espeak-ng without touching routes).

espeak-ng (Debian package) speaks Mandarin with the ``cmn`` voice and English with ``en-us``. The text
goes in on stdin (never as an argument), the WAV comes back on stdout; calls are blocking, so the
service runs them in its TTS executor.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from dataclasses import dataclass
from typing import Protocol


class TtsUnavailable(Exception):
    pass


class TtsEngine(Protocol):
    @property
    def name(self) -> str: ...

    def available(self) -> bool: ...

    def synthesize(self, text: str, lang: str) -> bytes:
        """A complete RIFF/WAV file (PCM16 mono) speaking ``text`` in ``lang`` (``zh`` or ``en``)."""
        ...


@dataclass(frozen=True)
class EspeakTts:
    voices: dict[str, str]
    words_per_minute: int = 160
    timeout_s: float = 10.0
    binary: str = "espeak-ng"
    name: str = "espeak-ng"

    def available(self) -> bool:
        return shutil.which(self.binary) is not None

    def synthesize(self, text: str, lang: str) -> bytes:
        executable = shutil.which(self.binary)
        if executable is None:
            raise TtsUnavailable(f"{self.binary} is not installed")
        voice = self.voices.get(lang)
        if voice is None:
            raise TtsUnavailable(f"no voice for language {lang}")
        try:
            done = subprocess.run(
                [executable, "-v", voice, "-s", str(self.words_per_minute), "-b", "1", "--stdout"],
                input=text.encode("utf-8"),
                capture_output=True,
                timeout=self.timeout_s,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise TtsUnavailable(f"synthesis took longer than {self.timeout_s:g} s") from None
        if done.returncode != 0 or not done.stdout.startswith(b"RIFF"):
            raise TtsUnavailable(f"{self.binary} failed (exit {done.returncode})")
        return fix_wav_sizes(done.stdout)


def fix_wav_sizes(wav: bytes) -> bytes:
    """espeak-ng streams its WAV with placeholder sizes; write the real ones so every player accepts it."""
    data_at = wav.find(b"data", 12)
    if data_at < 0:
        return wav
    data_size = len(wav) - (data_at + 8)
    return b"".join(
        (
            wav[:4],
            struct.pack("<I", len(wav) - 8),
            wav[8 : data_at + 4],
            struct.pack("<I", data_size),
            wav[data_at + 8 :],
        )
    )
