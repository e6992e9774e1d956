"""Cameras are spread over camera-worker shards by a stable hash; settings refuse impossible shards."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.queue.vision.domain.sharding import shard_of
from services.queue.vision.settings import VisionSettings


def test_every_camera_has_exactly_one_shard_and_shards_share_the_load() -> None:
    cameras = [(f"b{b:03d}", f"cam-{c}") for b in range(50) for c in range(4)]
    counts = [0, 0, 0, 0]
    for branch, camera in cameras:
        shard = shard_of(branch, camera, 4)
        assert 0 <= shard < 4 and shard == shard_of(branch, camera, 4)
        counts[shard] += 1
    assert min(counts) > len(cameras) / 4 * 0.6, counts
    assert all(shard_of(b, c, 1) == 0 for b, c in cameras)


def test_shard_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAMERA_SHARD_INDEX", "2")
    monkeypatch.setenv("CAMERA_SHARD_COUNT", "4")
    settings = VisionSettings()
    assert (settings.shard_index, settings.shard_count) == (2, 4)
    with pytest.raises(ValidationError, match="below shard_count"):
        VisionSettings(shard_index=4, shard_count=4)
    with pytest.raises(ValueError, match="at least 1"):
        shard_of("b", "c", 0)
