"""What the streaming loop needs of a recognizer, whichever engine (Vosk, Whisper) is behind it."""

from __future__ import annotations

from typing import Any, Protocol


class StreamRecognizer(Protocol):
    """One connection's recognizer; every call is blocking (the caller runs it in an executor), one at a time."""

    sample_rate: int
    closed: bool

    def accept(self, pcm: bytes) -> tuple[bool, dict[str, Any]]:
        """(endpoint reached, the result at the endpoint or else the partial)."""
        ...

    def final(self) -> dict[str, Any]:
        """The result of what was heard so far; the recognizer then starts a new utterance."""
        ...

    def close(self) -> None: ...
