"""The MoveNet detector on the real model files (deploy/models/fetch_movenet.sh, run by make): pins, plumbing,
settings and the ``branchops count --detector movenet`` path. What it finds on real footage is measured in
bench/ (docs/operations.md), not here."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from services.queue.vision.adapters import detector_factory
from services.queue.vision.adapters.detectors import ModelUnavailable
from services.queue.vision.adapters.movenet import MOVENET_FILES, MoveNetDetector, movenet_model_path
from services.queue.vision.domain.camera_config import DetectorKind
from services.queue.vision.settings import VisionSettings

MODEL = VisionSettings().movenet_model
needs_model = pytest.mark.skipif(not MODEL.is_file(), reason="MoveNet not fetched (deploy/models/fetch_movenet.sh)")


@pytest.fixture(scope="module")
def detector() -> MoveNetDetector:
    return MoveNetDetector(MODEL)


@needs_model
def test_a_frame_without_people_gives_no_detections(detector: MoveNetDetector) -> None:
    assert detector.detect(np.zeros((360, 640, 3), dtype=np.uint8)) == []
    assert detector.detect(np.full((200, 120, 3), 128, dtype=np.uint8)) == []


@needs_model
def test_detections_are_inside_the_image_and_above_the_threshold(detector: MoveNetDetector) -> None:
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, (240, 320, 3), dtype=np.uint8)  # noise: whatever it finds must be well-formed
    found = MoveNetDetector(MODEL, score_threshold=0.01).detect(image)
    assert found  # at so low a threshold noise gives peaks: the checks below run
    for d in found:
        assert 0 <= d.box.x1 < d.box.x2 <= 320 and 0 <= d.box.y1 < d.box.y2 <= 240
        assert d.score >= 0.01


@needs_model
def test_the_factory_builds_it_from_the_setting_or_the_camera() -> None:
    settings = VisionSettings(detector=DetectorKind.MOVENET)
    assert isinstance(detector_factory.base_detector(settings, None, 0.2), MoveNetDetector)
    assert isinstance(detector_factory.base_detector(VisionSettings(), DetectorKind.MOVENET, 0.2), MoveNetDetector)


@needs_model
def test_a_changed_or_missing_file_is_refused_with_the_fix(tmp_path: Path) -> None:
    for name in MOVENET_FILES:
        shutil.copy(MODEL.parent / name, tmp_path / name)
    assert movenet_model_path(tmp_path / "movenet-multipose.json") == tmp_path / "movenet-multipose.json"
    weights = tmp_path / "movenet-multipose.bin"
    data = bytearray(weights.read_bytes())
    data[100] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(ModelUnavailable, match="sha256"):
        MoveNetDetector(tmp_path / "movenet-multipose.json")
    weights.unlink()
    with pytest.raises(ModelUnavailable, match="fetch_movenet"):
        MoveNetDetector(tmp_path / "movenet-multipose.json")


def test_the_input_size_is_a_multiple_of_32(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="multiple of 32"):
        MoveNetDetector(tmp_path / "movenet-multipose.json", input_size=250)
    with pytest.raises(ValidationError):
        VisionSettings(movenet_input_size=250)
