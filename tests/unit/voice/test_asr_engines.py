"""Engine per language and readiness when the Whisper files are refused (adapters/asr_engines.py)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from services.voice.adapters.asr_engines import AsrEngines
from services.voice.adapters.asr_whisper import WhisperEngine
from services.voice.adapters.asr_whisper_files import WhisperModelError


def refused() -> WhisperEngine:
    raise WhisperModelError("whisper-base file tokenizer.json at /x has sha256 abc, expected def: refusing to load it")


async def test_a_refused_model_leaves_both_languages_failed_with_the_reason() -> None:
    engines = AsrEngines({}, ["zh", "en"], default_lang="zh", required=True, whisper_loader=refused)
    assert engines.state == {"zh": "loading", "en": "loading"}
    with ThreadPoolExecutor(1) as executor:
        await engines.load(executor)
    ready, detail = await engines.readiness()
    assert not ready and "tokenizer.json" in detail and "refusing" in detail
    assert engines.available() == [] and engines.engine_of("zh") == "whisper"
    with pytest.raises(LookupError, match="ASR unavailable for en: failed"):
        engines.open_recognizer("en", 16000)


async def test_not_required_keeps_the_service_ready_and_says_why() -> None:
    engines = AsrEngines(
        {"en": "/nonexistent/vosk-en"}, ["zh"], default_lang="zh", required=False, whisper_loader=refused
    )
    with ThreadPoolExecutor(1) as executor:
        await engines.load(executor)
    ready, detail = await engines.readiness()
    assert ready and "en missing: /nonexistent/vosk-en" in detail and "zh failed" in detail
    assert engines.engine_of("en") == "vosk" and engines.engine_of("zh") == "whisper"
