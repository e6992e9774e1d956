"""ASGI entry point: ``uvicorn --factory services.records.app:create_app``."""

from fastapi import FastAPI

from branchops.settings import PlatformSettings
from services.records.bootstrap import build_app
from services.records.settings import RecordsSettings


def create_app() -> FastAPI:
    return build_app(RecordsSettings(), PlatformSettings())
