"""ASGI entry point: ``uvicorn --factory services.kyc.app:create_app``."""

from fastapi import FastAPI

from branchops.settings import PlatformSettings
from services.kyc.bootstrap import build_app
from services.kyc.settings import KycSettings


def create_app() -> FastAPI:
    return build_app(KycSettings(), PlatformSettings())
