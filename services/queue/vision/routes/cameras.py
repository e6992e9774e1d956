"""Camera configuration endpoints (``PUT|GET /v1/branches/{b}/cameras/{c}``) and the debug stream.

Broken geometry fails pydantic validation of the body and is answered 422 problem+json with the reason.
The debug MJPEG stream exists only when ``QUEUE_VISION_DEBUG_STREAM`` is on, and only for managers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from branchops.web import BranchPath, check_branch
from branchops.web.problems import Problem
from branchops.web.roles import ManagerHeadOfficeService, ManagerOnly, ManagerService
from services.queue.vision.domain.camera_config import CameraConfig
from services.queue.vision.domain.errors import TooManyCameras
from services.queue.vision.domain.messages import StatusReport
from services.queue.vision.domain.source_policy import SourceRefused
from services.queue.vision.routes.deps import CameraPath, VisionDep

router = APIRouter(prefix="/v1/branches/{branch_id}/cameras", tags=["cameras"])
BOUNDARY = "frame"


class CameraView(BaseModel):
    branch_id: str
    camera_id: str
    config: CameraConfig
    status: dict[str, Any] | None = None

    @classmethod
    def of(cls, branch_id: str, camera_id: str, config: CameraConfig, status: StatusReport | None) -> CameraView:
        shown = None if status is None else {"state": status.state.value, "fps": status.fps, "error": status.error}
        return cls(branch_id=branch_id, camera_id=camera_id, config=config, status=shown)


@router.put(
    "/{camera_id}",
    response_model=CameraView,
    summary="Create or replace a camera's configuration",
    responses={
        409: {"description": "this instance runs its most cameras already"},
        422: {"description": "invalid geometry, or a source the policy refuses (reason: source_not_allowed)"},
    },
)
async def put_camera(
    branch_id: BranchPath, camera_id: CameraPath, body: CameraConfig, who: ManagerService, vision: VisionDep
) -> CameraView:
    check_branch(who, branch_id)
    if body.camera_id not in (None, camera_id):
        raise Problem(422, "Invalid request", f"camera_id {body.camera_id!r} differs from the URL's {camera_id!r}")
    try:
        stored = await vision.put_camera(branch_id, camera_id, body)
    except TooManyCameras as exc:
        raise Problem(409, "Too many cameras", str(exc)) from None
    except SourceRefused as exc:
        raise Problem(422, "Camera source refused", str(exc), reason="source_not_allowed") from None
    return CameraView.of(branch_id, camera_id, stored, vision.last_status.get((branch_id, camera_id)))


@router.get("/{camera_id}", response_model=CameraView, summary="A camera's configuration and last status")
async def get_camera(
    branch_id: BranchPath, camera_id: CameraPath, who: ManagerHeadOfficeService, vision: VisionDep
) -> CameraView:
    check_branch(who, branch_id)
    config = vision.camera(branch_id, camera_id)
    if config is None:
        raise Problem(404, "Not Found", f"no camera {camera_id} in branch {branch_id}")
    return CameraView.of(branch_id, camera_id, config, vision.last_status.get((branch_id, camera_id)))


@router.get(
    "/{camera_id}/debug.mjpeg",
    summary="Debug MJPEG with overlays (off by default; managers only)",
    response_class=StreamingResponse,
)
async def debug_stream(
    branch_id: BranchPath, camera_id: CameraPath, who: ManagerOnly, vision: VisionDep
) -> StreamingResponse:
    check_branch(who, branch_id)
    if not vision.settings.debug_stream:
        raise Problem(404, "Not Found", "the debug stream is off (QUEUE_VISION_DEBUG_STREAM)")
    if vision.camera(branch_id, camera_id) is None:
        raise Problem(404, "Not Found", f"no camera {camera_id} in branch {branch_id}")

    async def frames() -> AsyncIterator[bytes]:
        loop = asyncio.get_running_loop()
        while True:
            jpeg = await loop.run_in_executor(None, vision.debug_frame, branch_id, camera_id)
            if jpeg is None:
                await asyncio.sleep(0.2)
                continue
            yield (
                f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n".encode()
                + jpeg
                + b"\r\n"
            )

    return StreamingResponse(
        frames(), media_type=f"multipart/x-mixed-replace; boundary={BOUNDARY}", headers={"Cache-Control": "no-store"}
    )
