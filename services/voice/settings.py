"""Settings of the voice service (environment prefix ``VOICE_``)."""

from __future__ import annotations

from typing import ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from branchops.contracts.enums import Priority
from branchops.settings import ServiceSettings


class VoiceSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="VOICE_", extra="forbid", frozen=True)
    service_name: ClassVar[str] = "voice"
    default_port: ClassVar[int] = 8004

    # --- ASR (Whisper or Vosk per language) -----------------------------------------------------
    asr_engine_zh: str = Field(
        "",
        pattern=r"^(|whisper|vosk)$",
        description="Mandarin recognizer: whisper or vosk; empty: vosk when VOICE_ASR_MODEL_ZH is set, else whisper",
    )
    asr_engine_en: str = Field(
        "",
        pattern=r"^(|whisper|vosk)$",
        description="English recognizer: whisper or vosk; empty: vosk when VOICE_ASR_MODEL_EN is set, else whisper",
    )
    asr_whisper_cache_dir: str = Field(
        "",
        description="Folder for the joined whisper-base model.bin; empty: $XDG_CACHE_HOME/branchops/whisper-base;"
        " memory: joined and checked in memory, nothing written (read-only containers)",
    )
    asr_whisper_threads: int = Field(1, ge=1, le=64, description="CPU threads per Whisper decode")
    asr_whisper_workers: int = Field(2, ge=1, le=64, description="Whisper decodes run in parallel")
    asr_whisper_beam_size: int = Field(1, ge=1, le=10, description="Beam of the final Whisper decode (partials: 1)")
    asr_whisper_partial_interval_s: float = Field(
        1.0, ge=0.2, le=10, description="Audio between two partial re-decodes of the utterance"
    )
    asr_whisper_end_silence_s: float = Field(
        0.7, ge=0.2, le=5, description="Silence after speech that ends an utterance (Whisper endpointing)"
    )
    asr_model_zh: str = Field("", description="Directory of the Mandarin Vosk model; empty: no Mandarin ASR")
    asr_model_en: str = Field("", description="Directory of the English Vosk model; empty: no English ASR")
    asr_default_lang: str = Field("zh", pattern=r"^(zh|en)$", description="Language of a stream without one")
    asr_required: bool = Field(
        False, description="true: /readyz is red while a configured model is missing; false: text only, reported"
    )
    asr_max_streams: int = Field(
        4,
        ge=1,
        le=256,
        description="Concurrent recognition streams per process; also how many finished recognizers are kept per"
        " model and sample rate for reuse unless VOICE_ASR_RECOGNIZER_POOL says otherwise",
    )
    asr_recognizer_pool: int | None = Field(
        None,
        ge=0,
        le=256,
        description="Finished recognizers kept per model, sample rate and word setting for the next streams (each "
        "holds its decoding-graph cache: tens to a few hundred MB); unset: ASR_MAX_STREAMS; 0: none",
    )
    nlu_rate_limit_per_minute: int = Field(
        60, ge=1, le=100_000, description="Text turns and NLU calls per device and minute"
    )
    asr_max_utterance_s: float = Field(15.0, ge=1, le=120, description="Audio after which a result is forced")
    asr_max_stream_s: float = Field(300.0, ge=5, le=3600, description="Audio per connection before it is closed")
    asr_no_speech_s: float = Field(30.0, ge=2, le=600, description="Audio without any word before closing")
    asr_idle_timeout_s: float = Field(15.0, ge=1, le=600, description="Wall time without a message before closing")
    asr_max_frame_bytes: int = Field(256 * 1024, ge=1024, le=4 * 1024 * 1024, description="Largest audio frame")

    # --- dialogue -----------------------------------------------------------------------------
    session_ttl_s: int = Field(900, ge=30, le=24 * 3600, description="Dialogue state lifetime after a turn")
    timezone: str = Field(
        "Asia/Shanghai", description="The branches' local day: 'today' and 'this month' in what customers say"
    )
    max_text_chars: int = Field(1000, ge=50, le=20_000, description="Longest text accepted by nlu/dialogue/tts")
    queue_url: str = Field("http://127.0.0.1:8001", pattern=r"^https?://", description="Queue service base URL")
    queue_api_key: SecretStr = Field(SecretStr(""), description="Service-role API key for the queue service")
    queue_timeout_s: float = Field(2.0, gt=0, le=30, description="Timeout of a hand-off ticket request")
    handoff_priority: Priority = Field(Priority.URGENT, description="Priority of hand-off tickets")
    core_banking_url: str = Field(
        "",
        pattern=r"^(|https?://.+)$",
        description="CoreBanking base URL (the records service's SANDBOX core, /v1/sandbox-core); empty: self-service"
        " intents are pointed to the kiosk's buttons",
    )
    core_banking_api_key: SecretStr = Field(
        SecretStr(""), description="Service-role API key for the core; empty: VOICE_QUEUE_API_KEY (one service key)"
    )
    core_banking_timeout_s: float = Field(5.0, gt=0, le=30, description="Timeout of one call to the core")

    # --- TTS ----------------------------------------------------------------------------------
    tts_voice_zh: str = Field("cmn", pattern=r"^[A-Za-z0-9_+-]{1,40}$", description="espeak-ng voice for Mandarin")
    tts_voice_en: str = Field("en-us", pattern=r"^[A-Za-z0-9_+-]{1,40}$", description="espeak-ng voice for English")
    tts_words_per_minute: int = Field(160, ge=80, le=400, description="Speaking rate")
    tts_timeout_s: float = Field(10.0, gt=0, le=60, description="Longest synthesis before it is abandoned")
    tts_workers: int = Field(2, ge=1, le=32, description="Concurrent syntheses")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _limits_ordered(self) -> VoiceSettings:
        if self.asr_max_utterance_s > self.asr_max_stream_s:
            raise ValueError("asr_max_utterance_s must not exceed asr_max_stream_s")
        return self

    def asr_models(self) -> dict[str, str]:
        """Configured model directories by language (languages without one are left out)."""
        return {lang: path for lang, path in (("zh", self.asr_model_zh), ("en", self.asr_model_en)) if path}

    def asr_engine(self, lang: str, whisper_installed: bool) -> str:
        """The engine of ``lang``: the one set, else vosk when a Vosk model is configured or Whisper is absent."""
        chosen = self.asr_engine_zh if lang == "zh" else self.asr_engine_en
        if chosen:
            return chosen
        return "vosk" if lang in self.asr_models() or not whisper_installed else "whisper"

    def recognizer_pool_per_key(self) -> int:
        return self.asr_max_streams if self.asr_recognizer_pool is None else self.asr_recognizer_pool
