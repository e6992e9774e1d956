"""Shared fixtures of the fault suite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from branchops.devstack import DevStack


@pytest.fixture
def stack(redis_url: str, tmp_path: Path) -> Iterator[DevStack]:
    """A fresh broker on the test's Redis; services are started by each test."""
    dev = DevStack(log_dir=tmp_path / "stack", redis_url=redis_url)
    dev.start()
    try:
        yield dev
    finally:
        dev.stop()
