"""Whether the kiosk may offer speech: read from the voice service's /readyz (services/gateway/domain/speech.py)."""

from __future__ import annotations

from services.gateway.domain.speech import asr_languages, speech_state


def readyz(detail: str, ok: bool = True) -> dict[str, object]:
    return {"status": "ready", "checks": {"asr": {"ok": ok, "detail": detail}, "redis": {"ok": True, "detail": "ok"}}}


def test_ready_languages_are_the_ones_named_ready() -> None:
    assert asr_languages(readyz("ASR ready: en ready, zh ready")) == {"zh", "en"}
    both = readyz("ASR unavailable for some languages: en missing: /models/en, zh ready (text still served)")
    assert asr_languages(both) == {"zh"}
    assert asr_languages(readyz("ASR unavailable: no model configured (text only)")) == set()


def test_no_model_is_not_configured_not_voice_down() -> None:
    body = readyz("ASR unavailable: no model configured (text only)")
    assert speech_state(True, body, "zh") == "not_configured"
    assert speech_state(True, readyz("ASR ready: zh ready"), "en") == "not_configured"
    assert speech_state(True, readyz("ASR ready: zh ready"), "zh") == "ready"


def test_a_failed_load_is_not_ready() -> None:
    body = readyz("ASR unavailable for some languages: zh failed: RuntimeError (text still served)", ok=False)
    assert speech_state(True, body, "zh") == "not_configured"


def test_unreachable_voice_is_voice_down_and_odd_bodies_say_nothing_of_asr() -> None:
    assert speech_state(False, None, "zh") == "voice_down"
    assert asr_languages({"checks": {}}) is None
    assert asr_languages("not json") is None
    assert speech_state(True, {"checks": {}}, "zh") == "not_configured"


def test_engine_labels_after_ready_still_count() -> None:
    body = readyz("ASR ready: en ready (vosk), zh ready (whisper-small)")
    assert asr_languages(body) == {"zh", "en"}
