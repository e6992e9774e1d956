"""The grid of tiles for hall (elevated) cameras, ``detector_tiles: grid2`` / ``grid3`` (issue 20 item 4), and
a camera's own ``motion_min_area``: band geometry, the merge across band seams, the detector in frame pixels,
the factory, ``branchops count --tiles``, the worker's gate."""

from __future__ import annotations

import argparse
import multiprocessing
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

from services.queue.vision import cli
from services.queue.vision.adapters import detector_factory
from services.queue.vision.adapters.camera_files import load_camera_yaml
from services.queue.vision.adapters.detectors import Image, SsdLiteDetector, TiledDetector
from services.queue.vision.adapters.grid_detector import GridTiledDetector
from services.queue.vision.domain.camera_config import CameraConfig
from services.queue.vision.domain.geometry import Box
from services.queue.vision.domain.grid import band_spans, detector_runs, grid_rows, is_detector_tiles, merge_bands
from services.queue.vision.domain.tracker import Detection
from services.queue.vision.settings import VisionSettings
from services.queue.vision.worker import CameraJob, CameraWorker


def test_two_bands_overlap_and_cover_the_height() -> None:
    top, bottom = band_spans(1080, 2)
    assert (top.x0, top.x1, bottom.x0, bottom.x1) == (0, 584, 496, 1080)
    assert (top.seam_left, top.seam_right, bottom.seam_left, bottom.seam_right) == (False, True, True, False)
    assert [(b.x0, b.x1) for b in band_spans(1080, 1)] == [(0, 1080)]
    for bad in (0, 4):
        with pytest.raises(ValueError, match=r"rows must be 1\.\.3"):
            band_spans(1080, bad)


def test_detector_runs_per_frame() -> None:
    assert detector_runs(1920, 1080, 1) == 2  # the auto tiles of a 16:9 frame
    assert detector_runs(1920, 1080, 2) == 6 and detector_runs(640, 360, 2) == 6  # two bands of three tiles
    assert detector_runs(1920, 1080, 3) == 12


def test_the_setting_values() -> None:
    assert (grid_rows("grid2"), grid_rows("grid3"), grid_rows("auto"), grid_rows(2), grid_rows("grid4")) == (
        2,
        3,
        None,
        None,
        None,
    )
    assert all(is_detector_tiles(v) for v in (1, 4, "auto", "grid2", "grid3"))
    assert not any(is_detector_tiles(v) for v in (0, 5, True, "grid1", "grid4", "Grid2", "2", None, 1.0))


def test_a_person_cut_by_a_band_seam_is_kept_whole_from_the_band_that_sees_it_whole() -> None:
    bands = band_spans(1080, 2)  # 0..584 and 496..1080
    whole = [800.0, 300.0, 860.0, 550.0]  # in the top band, clear of its bottom seam (584)
    cut = [802.0, 496.0, 858.0, 550.0]  # the bottom band's view, cut at its top seam
    boxes, _ = merge_bands(np.array([whole, cut]), np.array([0.8, 0.7]), [0, 1], bands)
    assert boxes.tolist() == [whole]


def test_a_person_taller_than_the_overlap_is_fused_from_both_bands() -> None:
    bands = band_spans(1080, 2)
    top = [800.0, 400.0, 860.0, 584.0]  # cut at the top band's bottom seam
    bottom = [801.0, 496.0, 861.0, 700.0]  # cut at the bottom band's top seam
    boxes, scores = merge_bands(np.array([top, bottom]), np.array([0.6, 0.9]), [0, 1], bands)
    assert boxes.tolist() == [[800.0, 400.0, 861.0, 700.0]] and scores.tolist() == [0.9]


def test_merge_of_nothing() -> None:
    boxes, scores = merge_bands(np.zeros((0, 4)), np.zeros(0), [], band_spans(1080, 2))
    assert boxes.shape == (0, 4) and scores.shape == (0,)


class BlobDetector:
    """Finds the one bright blob of an image (a stand-in for the SSD on a tile)."""

    name = "blob"

    def detect(self, image: Image) -> list[Detection]:
        ys, xs = np.nonzero(image[:, :, 0])
        if not len(xs):
            return []
        return [Detection(Box(float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1)), 0.9)]


@pytest.mark.parametrize("top", [100, 450, 700])  # in the top band, across the seam, in the bottom band
def test_the_grid_detector_reports_one_whole_box_in_frame_pixels(top: int) -> None:
    image = np.zeros((1080, 1920, 3), dtype=np.uint8)
    image[top : top + 250, 200:260] = 255
    found = GridTiledDetector(BlobDetector(), 2).detect(image)
    assert [(d.box.x1, d.box.y1, d.box.x2, d.box.y2) for d in found] == [(200.0, top, 260.0, top + 250)]


def test_the_grid_detector_refuses_a_bad_row_count_when_built() -> None:
    with pytest.raises(ValueError, match=r"rows must be 1\.\.3"):
        GridTiledDetector(BlobDetector(), 4)


@pytest.mark.parametrize(("tiles", "rows"), [("grid2", 2), ("grid3", 3)])
def test_the_factory_builds_a_grid_for_a_grid_setting(tiles: Any, rows: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(detector_factory, "base_detector", lambda *args: BlobDetector())
    built = detector_factory.build_detector(VisionSettings(), tiles=tiles)
    assert isinstance(built, GridTiledDetector) and built.rows == rows and isinstance(built.inner, BlobDetector)
    assert isinstance(detector_factory.build_detector(VisionSettings(), tiles="auto"), TiledDetector)
    assert isinstance(detector_factory.build_detector(VisionSettings(), tiles=1), BlobDetector)
    assert not isinstance(built.inner, SsdLiteDetector)


@pytest.mark.parametrize("value", ["grid2", "grid3", "auto", "3"])
def test_branchops_count_takes_grid_tiles(value: str) -> None:
    assert cli._tiles(value) == (3 if value == "3" else value)


@pytest.mark.parametrize("value", ["grid4", "0", "5", "wide", "GRID2"])
def test_branchops_count_refuses_other_tiles(value: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=r"must be an integer 1\.\.4, 'auto', 'grid2' or 'grid3'"):
        cli._tiles(value)


# --- camera config: grid tiles and the motion gate's area ---------------------------------------


@pytest.mark.parametrize("value", ["grid2", "grid3"])
def test_config_accepts_grid_tiles(value: str) -> None:
    assert CameraConfig(detector_tiles=value).detector_tiles == value
    assert (
        CameraConfig.model_validate_json(CameraConfig(detector_tiles=value).model_dump_json()).detector_tiles == value
    )


@pytest.mark.parametrize("value", ["grid1", "grid4", "Grid2", "grid"])
def test_config_refuses_other_grids(value: str) -> None:
    with pytest.raises(ValidationError, match=r"detector_tiles must be an integer 1\.\.4, 'auto', 'grid2' or 'grid3'"):
        CameraConfig(detector_tiles=value)


def test_config_motion_min_area_defaults_to_the_service_setting() -> None:
    assert CameraConfig().motion_min_area is None
    assert CameraConfig(motion_min_area=0.0005).motion_min_area == 0.0005


@pytest.mark.parametrize("value", [0, 1, -0.1, 1.5, "small"])
def test_config_refuses_a_motion_min_area_outside_zero_to_one(value: Any) -> None:
    with pytest.raises(ValidationError, match="motion_min_area"):
        CameraConfig(motion_min_area=value)


def _worker(camera: dict[str, Any]) -> CameraWorker:
    job = CameraJob(
        "b1", "hall", CameraConfig(**camera).model_dump(mode="json"), VisionSettings().model_dump(mode="json")
    )
    return CameraWorker(job, multiprocessing.Queue(), multiprocessing.Event(), detector=BlobDetector())


def test_the_worker_gate_takes_the_camera_area_else_the_service_one() -> None:
    assert _worker({"motion_min_area": 0.0005})._motion_min_area() == 0.0005
    assert _worker({})._motion_min_area() == VisionSettings().motion_min_area


def test_a_hall_camera_file_sets_the_grid_and_the_gate_area(tmp_path: Path) -> None:
    path = tmp_path / "hall.yaml"
    path.write_text("detector_tiles: grid2\nmotion_min_area: 0.0005\n", encoding="utf-8")
    camera = load_camera_yaml(path)
    assert (camera.detector_tiles, camera.motion_min_area) == ("grid2", 0.0005)
    path.write_text("detector_tiles: grid5\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="detector_tiles must be"):
        load_camera_yaml(path)
