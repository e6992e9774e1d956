"""Where the login page may send the browser afterwards: a path of this site, nothing else."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

MAX_NEXT = 2048


def _plain_path(text: str) -> bool:
    if not text.startswith("/") or text.startswith("//"):
        return False
    if "\\" in text or any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in text):
        return False  # browsers read "\" as "/" ("/\evil" is "//evil") and drop tabs and newlines
    parts = urlsplit(text)
    return not parts.scheme and not parts.netloc


def safe_next(raw: str | None) -> str | None:
    """``raw`` when it is a same-origin path after percent-decoding (up to three times), else None.

    Refused: anything not starting with one "/", "//" (another host), backslashes, control characters,
    schemes, and any of these hidden behind percent-encoding (``/%5Cevil.example``, ``/%2F/evil``)."""
    if not raw or len(raw) > MAX_NEXT:
        return None
    text = raw
    for _ in range(3):
        if not _plain_path(text):
            return None
        decoded = unquote(text)
        if decoded == text:
            return raw
        text = decoded
    return None  # still encoded after three rounds: not a path anyone typed
