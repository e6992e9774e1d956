"""Camera configurations in YAML files: one file per camera, ``<folder>/<branch>/<camera>.yaml``.

Reading only; the mapping in a file is validated as a ``CameraConfig`` (domain/camera_config.py), so broken
geometry is refused with the same reasons as by API.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from services.queue.vision.domain.camera_config import CameraConfig


def load_camera_yaml(path: Path) -> CameraConfig:
    data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a camera file must hold a mapping")
    return CameraConfig.model_validate(data)


def load_camera_dir(folder: Path) -> dict[tuple[str, str], CameraConfig]:
    """``<folder>/<branch>/<camera>.yaml`` files; the file name is the camera id."""
    found: dict[tuple[str, str], CameraConfig] = {}
    for path in sorted(folder.glob("*/*.yaml")):
        config = load_camera_yaml(path)
        found[(path.parent.name, path.stem)] = config.model_copy(update={"camera_id": path.stem})
    return found
