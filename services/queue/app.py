"""ASGI entry point: ``uvicorn --factory services.queue.app:create_app``."""

from fastapi import FastAPI

from branchops.settings import PlatformSettings
from services.queue.bootstrap import build_app
from services.queue.settings import QueueSettings


def create_app() -> FastAPI:
    return build_app(QueueSettings(), PlatformSettings())
