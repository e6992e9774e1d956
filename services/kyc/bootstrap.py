"""Composition root of the kyc service."""

from __future__ import annotations

from fastapi import FastAPI

from branchops.runtime import ServiceRuntime
from branchops.settings import PlatformSettings
from branchops.web import create_service_app
from services.kyc.settings import KycSettings


def build_app(settings: KycSettings, platform: PlatformSettings) -> FastAPI:
    runtime = ServiceRuntime(settings, platform)
    return create_service_app("kyc", platform, lifespan=runtime.lifespan,
                              description="ID-card and business-licence OCR, face match and liveness")
