"""Settings of the kyc service (environment prefix ``KYC_``)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from branchops.settings import ServiceSettings
from services.kyc.domain.envelope import parse_key


class KycSettings(ServiceSettings):
    # hide_input_in_errors: a refused setting must not echo KYC_RETENTION_KEY into a log.
    model_config = SettingsConfigDict(env_prefix="KYC_", extra="forbid", frozen=True, hide_input_in_errors=True)
    service_name: ClassVar[str] = "kyc"
    default_port: ClassVar[int] = 8003

    max_upload_bytes: int = Field(
        8 * 1024 * 1024,
        ge=64 * 1024,
        le=64 * 1024 * 1024,
        description="Largest accepted image upload (bytes); larger is refused with 413",
    )
    max_pixels: int = Field(
        40_000_000,
        ge=1_000_000,
        le=200_000_000,
        description="Largest accepted image (pixels, read from the header before decoding)",
    )
    max_frame_bytes: int = Field(
        1024 * 1024, ge=16 * 1024, le=16 * 1024 * 1024, description="Largest accepted liveness frame (bytes)"
    )
    face_approve: float = Field(0.45, ge=-1, le=1, description="SFace cosine at or above which faces match")
    face_reject: float = Field(0.30, ge=-1, le=1, description="SFace cosine below which faces do not match")
    session_ttl_s: int = Field(900, ge=60, le=24 * 3600, description="Lifetime of a KYC session in Redis")
    merchant_case_ttl_s: int = Field(
        8 * 3600,
        ge=600,
        le=7 * 24 * 3600,
        description="Lifetime of a merchant onboarding case in Redis (fields in full, for the officer's review)",
    )
    challenge_ttl_s: int = Field(120, ge=10, le=3600, description="Time to answer the liveness challenge")
    liveness_min_frames: int = Field(6, ge=3, le=100, description="Fewest frames of a liveness sequence")
    liveness_max_frames: int = Field(30, ge=3, le=120, description="Most frames of a liveness sequence")
    liveness_max_duration_ms: int = Field(15_000, ge=1000, le=120_000, description="Longest liveness sequence")
    liveness_mirrored: bool = Field(False, description="Kiosk cameras send mirrored frames")
    rate_limit_per_minute: int = Field(30, ge=1, le=10_000, description="Requests per kiosk and minute")
    workers: int = Field(1, ge=1, le=16, description="Threads for OCR and face models (each loads its own)")
    warm_up: bool = Field(True, description="Load the OCR and face models at start (readiness waits for it)")
    retention_ttl_s: int = Field(
        0,
        ge=0,
        le=90 * 24 * 3600,
        description="Keep a session's document and selfie images, AES-GCM encrypted in "
        "Redis, this many seconds; 0 (default): images are never stored",
    )
    retention_key: SecretStr = Field(
        SecretStr(""),
        description="AES-256 key of retained images: base64 of 32 random bytes; required when retention is on",
    )

    def verify_body_bytes(self) -> int:
        """Face verify's JSON: two images in base64."""
        return self.max_upload_bytes * 3 + 4096

    def selfie_body_bytes(self) -> int:
        """A liveness sequence's JSON: its frames in base64 with their times."""
        return self.liveness_max_frames * (self.max_frame_bytes * 4 // 3 + 64) + 4096

    def largest_upload_bytes(self) -> int:
        return max(self.verify_body_bytes(), self.selfie_body_bytes(), self.max_upload_bytes)

    @model_validator(mode="after")
    def _thresholds_ordered(self) -> KycSettings:
        if self.face_reject > self.face_approve:
            raise ValueError("KYC_FACE_REJECT must not exceed KYC_FACE_APPROVE")
        if self.liveness_min_frames > self.liveness_max_frames:
            raise ValueError("KYC_LIVENESS_MIN_FRAMES must not exceed KYC_LIVENESS_MAX_FRAMES")
        if self.retention_ttl_s > 0:
            if not self.retention_key.get_secret_value():
                raise ValueError("KYC_RETENTION_KEY is required when KYC_RETENTION_TTL_S > 0")
            try:
                parse_key(self.retention_key.get_secret_value())
            except ValueError as error:
                raise ValueError(f"KYC_RETENTION_KEY: {error}") from None
        return self

    def retention_key_bytes(self) -> bytes | None:
        """The AES-256 key when retention is on, else None."""
        return parse_key(self.retention_key.get_secret_value()) if self.retention_ttl_s > 0 else None
