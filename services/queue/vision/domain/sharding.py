"""Which camera-worker shard runs a camera: a stable hash, the same in every process and release."""

from __future__ import annotations

import zlib


def shard_of(branch_id: str, camera_id: str, shard_count: int) -> int:
    if shard_count < 1:
        raise ValueError("shard_count must be at least 1")
    return zlib.crc32(f"{branch_id}/{camera_id}".encode()) % shard_count
