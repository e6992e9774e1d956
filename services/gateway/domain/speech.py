"""Can the kiosk talk with the digital employee by voice? Read from the voice service's ``/readyz`` (pure).

The voice service reports its ASR models in the ``asr`` check's detail: ``ASR ready: en ready, zh ready``,
``ASR unavailable for some languages: en missing: /models/en, zh ready (text still served)`` or ``ASR
unavailable: no model configured (text only)``. A language is recognised only when it is named ``ready``.
Whatever else happens (no answer, no ``asr`` check) the kiosk hides nothing it can still do: text turns go
through the same dialogue as speech.
"""

from __future__ import annotations

import re
from typing import Any, Literal

SpeechState = Literal["ready", "not_configured", "voice_down"]
LANGS = ("zh", "en")


def asr_languages(readyz: Any) -> set[str] | None:
    """The languages with a ready ASR model, from a ``/readyz`` body (None: the body says nothing of ASR)."""
    if not isinstance(readyz, dict):
        return None
    checks = readyz.get("checks")
    asr = checks.get("asr") if isinstance(checks, dict) else None
    detail = asr.get("detail") if isinstance(asr, dict) else None
    if not isinstance(detail, str):
        return None
    return {lang for lang in LANGS if re.search(rf"\b{lang} ready\b", detail)}


def speech_state(reachable: bool, readyz: Any, lang: str) -> SpeechState:
    """``voice_down`` when the voice service did not answer; ``not_configured`` when it answered but has no
    ready ASR model for ``lang`` (text turns still work); else ``ready``."""
    if not reachable:
        return "voice_down"
    ready = asr_languages(readyz)
    return "ready" if ready is not None and lang in ready else "not_configured"
