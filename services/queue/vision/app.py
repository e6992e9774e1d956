"""Camera workers on their own: ``uvicorn --factory services.queue.vision.app:create_app`` (deploy/k8s
queue-cameras; see bootstrap.py)."""

from fastapi import FastAPI

from branchops.settings import PlatformSettings
from services.queue.settings import QueueSettings
from services.queue.vision.bootstrap import build_app
from services.queue.vision.settings import VisionSettings


def create_app() -> FastAPI:
    return build_app(QueueSettings(), VisionSettings(), PlatformSettings())
