"""Composition root of the voice service."""

from __future__ import annotations

from fastapi import FastAPI

from branchops.runtime import ServiceRuntime
from branchops.settings import PlatformSettings
from branchops.web import create_service_app
from services.voice.settings import VoiceSettings


def build_app(settings: VoiceSettings, platform: PlatformSettings) -> FastAPI:
    runtime = ServiceRuntime(settings, platform)
    return create_service_app("voice", platform, lifespan=runtime.lifespan,
                              description="Streaming speech recognition, intents, dialogue and spoken replies")
