"""ASGI entry point: ``uvicorn --factory services.staffing.app:create_app``."""

from fastapi import FastAPI

from branchops.settings import PlatformSettings
from services.staffing.bootstrap import build_app
from services.staffing.settings import StaffingSettings


def create_app() -> FastAPI:
    return build_app(StaffingSettings(), PlatformSettings())
