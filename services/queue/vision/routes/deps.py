"""Dependencies of the camera routes: the ``VisionService`` bootstrap put on ``app.state``, the camera id."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from branchops.contracts.base import Identifier
from branchops.web.problems import Problem
from services.queue.vision.usecases.cameras import VisionService

CameraPath = Annotated[Identifier, Path(description="Camera id")]


async def get_vision(request: Request) -> VisionService:
    vision: VisionService | None = getattr(request.app.state, "vision", None)
    if vision is None:
        raise Problem(503, "Camera service unavailable", "camera workers are not configured on this instance")
    return vision


VisionDep = Annotated[VisionService, Depends(get_vision)]
