"""Camera configs set by API survive a restart: kept in the real Redis, loaded again at start (Redis wins over YAML)."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis
import yaml

from branchops.settings import Role
from branchops.web import create_service_app
from services.queue.vision.adapters.config_store import BRANCHES, CameraConfigStore, cameras_key
from services.queue.vision.domain.camera_config import CameraConfig
from services.queue.vision.routes.cameras import router
from services.queue.vision.settings import VisionSettings
from services.queue.vision.usecases.cameras import VisionService
from tests.conftest import api_key, make_platform
from tests.unit.vision.test_vision_api import GOOD, ListSink


def branch() -> str:
    return f"b-{uuid.uuid4().hex[:10]}"


async def restarted(redis: aioredis.Redis, **settings: object) -> VisionService:
    """A fresh service on the same Redis, started without worker processes."""
    settings_ = VisionSettings(enabled=False, **settings)  # type: ignore[arg-type]
    service = VisionService(settings_, ListSink(), CameraConfigStore(redis))
    await service.start()
    return service


async def test_config_put_by_api_is_there_after_a_restart(redis_client: aioredis.Redis) -> None:
    b = branch()
    app = create_service_app("queue", make_platform("127.0.0.1:1"), routers=[router])
    app.state.vision = VisionService(VisionSettings(enabled=False), ListSink(), CameraConfigStore(redis_client))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        put = await client.put(
            f"/v1/branches/{b}/cameras/hall-1", json=GOOD, headers={"X-API-Key": api_key(Role.MANAGER)}
        )
    assert put.status_code == 200, put.text

    service = await restarted(redis_client)
    try:
        config = service.camera(b, "hall-1")
        assert config is not None and config.camera_id == "hall-1"
        assert config == CameraConfig.model_validate({**GOOD, "camera_id": "hall-1"})
    finally:
        await service.stop()


async def test_put_camera_overwrites_the_stored_config(redis_client: aioredis.Redis) -> None:
    b = branch()
    first = VisionService(VisionSettings(enabled=False), ListSink(), CameraConfigStore(redis_client))
    await first.put_camera(b, "c1", CameraConfig.model_validate(GOOD))
    await first.put_camera(b, "c1", CameraConfig.model_validate({**GOOD, "analysis_fps": 2, "enabled": False}))
    stored = await redis_client.hget(cameras_key(b), "c1")
    assert stored is not None and b"frame" in stored and b"image" not in stored  # config only
    service = await restarted(redis_client)
    try:
        config = service.camera(b, "c1")
        assert config is not None and config.analysis_fps == 2 and not config.enabled
    finally:
        await service.stop()


async def test_redis_wins_over_yaml_for_the_same_camera(redis_client: aioredis.Redis, tmp_path: Path) -> None:
    b = branch()
    (tmp_path / b).mkdir()
    for camera in ("hall-1", "door"):
        (tmp_path / b / f"{camera}.yaml").write_text(yaml.safe_dump(GOOD), encoding="utf-8")
    api = VisionService(VisionSettings(enabled=False), ListSink(), CameraConfigStore(redis_client))
    await api.put_camera(b, "hall-1", CameraConfig.model_validate({**GOOD, "analysis_fps": 3}))
    service = await restarted(redis_client, camera_dir=tmp_path)
    try:
        from_api, from_yaml = service.camera(b, "hall-1"), service.camera(b, "door")
        assert from_api is not None and from_api.analysis_fps == 3
        assert from_yaml is not None and from_yaml.analysis_fps == GOOD["analysis_fps"]
    finally:
        await service.stop()


async def test_invalid_stored_config_is_skipped_with_a_log_line(
    redis_client: aioredis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    b = branch()
    api = VisionService(VisionSettings(enabled=False), ListSink(), CameraConfigStore(redis_client))
    await api.put_camera(b, "good", CameraConfig.model_validate(GOOD))
    await redis_client.hset(
        cameras_key(b),
        mapping={"not-json": "{broken", "bad-geometry": '{"lines": [{"name": "x", "points": [[0, 0], [9999, 0]]}]}'},
    )
    await redis_client.sadd(BRANCHES, "not a valid/branch")
    with caplog.at_level(logging.WARNING, logger="services.queue.vision.adapters.config_store"):
        service = await restarted(redis_client)
    try:
        assert service.camera(b, "good") is not None
        assert service.camera(b, "not-json") is None and service.camera(b, "bad-geometry") is None
        logged = caplog.text
        assert "not-json" in logged and "bad-geometry" in logged and "not a valid/branch" in logged
    finally:
        await service.stop()
        await redis_client.srem(BRANCHES, "not a valid/branch")


async def test_a_camera_worker_shard_loads_the_stored_configs(redis_client: aioredis.Redis, redis_url: str) -> None:
    from services.queue.settings import QueueSettings
    from services.queue.vision.bootstrap import build_app

    b = branch()
    api = VisionService(VisionSettings(enabled=False), ListSink(), CameraConfigStore(redis_client))
    await api.put_camera(b, "hall-1", CameraConfig.model_validate(GOOD))
    app = build_app(
        QueueSettings(redis_url=redis_url),
        VisionSettings(enabled=False, shard_index=1, shard_count=2),
        make_platform("127.0.0.1:1"),
    )
    shard: VisionService = app.state.vision
    assert shard.store is not None
    await shard.start()
    try:
        assert shard.camera(b, "hall-1") == api.camera(b, "hall-1")
    finally:
        await shard.stop()
        await shard.store.redis.aclose()  # the shard runtime's client, never started


async def test_without_redis_configs_stay_in_memory() -> None:
    service = VisionService(VisionSettings(enabled=False), ListSink())
    await service.put_camera("b1", "c1", CameraConfig.model_validate(GOOD))
    assert service.store is None and service.camera("b1", "c1") is not None


async def test_redis_down_at_start_then_configs_load_in_the_background(
    redis_client: aioredis.Redis, redis_url: str
) -> None:
    import asyncio
    from urllib.parse import urlparse

    from branchops.state import create_redis
    from tests.faults.proxy import FaultProxy

    b = branch()
    await CameraConfigStore(redis_client).save(b, "cam-1", CameraConfig.model_validate(GOOD))
    target = urlparse(redis_url)
    proxy = FaultProxy(target.port or 6379).start()
    proxy.set_mode("reset")  # Redis unreachable for the service
    client = create_redis(f"redis://{proxy.address}{target.path}", timeout_s=0.5)
    service = VisionService(VisionSettings(enabled=False), ListSink(), CameraConfigStore(client))
    try:
        await service.start()  # the service starts anyway
        assert (b, "cam-1") not in service.cameras
        proxy.set_mode("pass")
        for _ in range(150):
            if (b, "cam-1") in service.cameras:
                break
            await asyncio.sleep(0.1)
        assert (b, "cam-1") in service.cameras, "stored configs load once Redis answers"
    finally:
        await service.stop()
        await client.aclose()
        proxy.stop()
