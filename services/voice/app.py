"""ASGI entry point: ``uvicorn --factory services.voice.app:create_app``."""

from fastapi import FastAPI

from branchops.settings import PlatformSettings
from services.voice.bootstrap import build_app
from services.voice.settings import VoiceSettings


def create_app() -> FastAPI:
    return build_app(VoiceSettings(), PlatformSettings())
