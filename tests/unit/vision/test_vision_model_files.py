"""The SSDLite text graph is a data file in models/: found through ``QUEUE_VISION_SSD_TEXT_GRAPH``, whose
default is the source tree's copy, and which the image recipe points at its own copy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from services.queue.vision.adapters.detectors import ModelUnavailable, SsdLiteDetector
from services.queue.vision.settings import MODELS_DIR, VisionSettings

ROOT = Path(__file__).resolve().parents[3]


def test_the_default_is_the_source_trees_models_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QUEUE_VISION_SSD_TEXT_GRAPH", raising=False)
    assert MODELS_DIR == ROOT / "models"
    graph = VisionSettings().ssd_text_graph
    assert graph == ROOT / "models" / "ssdlite_pedestrian.pbtxt" and graph.is_file()
    assert (ROOT / "models" / "README.md").is_file()
    assert not list((ROOT / "services").rglob("*.pbtxt")), "model files are data in models/, not in the packages"


def test_the_setting_moves_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("QUEUE_VISION_SSD_TEXT_GRAPH", str(tmp_path / "graph.pbtxt"))
    assert VisionSettings().ssd_text_graph == tmp_path / "graph.pbtxt"


def test_a_missing_text_graph_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match="QUEUE_VISION_SSD_TEXT_GRAPH"):
        SsdLiteDetector(tmp_path / "missing.pbtxt")


def test_the_images_carry_models_and_point_the_setting_at_them() -> None:
    dockerfile = (ROOT / "deploy" / "docker" / "Dockerfile").read_text(encoding="utf-8")
    copied = re.search(r"^COPY models (\S+)$", dockerfile, re.MULTILINE)
    assert copied, "the runtime image must COPY models/"
    setting = re.search(r"QUEUE_VISION_SSD_TEXT_GRAPH=(\S+)", dockerfile)
    assert setting and setting.group(1) == f"{copied.group(1)}/ssdlite_pedestrian.pbtxt"
    allowed = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert "!models/*.pbtxt" in allowed and "!models" not in allowed, "only the data files, not models/vosk/"
