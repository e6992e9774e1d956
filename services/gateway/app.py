"""ASGI entry point: ``uvicorn --factory services.gateway.app:create_app``."""

from fastapi import FastAPI

from branchops.settings import PlatformSettings
from services.gateway.bootstrap import build_app
from services.gateway.settings import GatewaySettings


def create_app() -> FastAPI:
    return build_app(GatewaySettings(), PlatformSettings())
