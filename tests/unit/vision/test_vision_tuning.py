"""The tracker's thresholds per detector (domain/tuning.py): the service, a camera and ``branchops count`` take
the low score and the start floor measured for the camera's detector unless one is set."""

from __future__ import annotations

import multiprocessing
from typing import Any

import pytest

from services.queue.vision import cli
from services.queue.vision.adapters import detector_factory
from services.queue.vision.domain.camera_config import CameraConfig, CameraView, DetectorKind
from services.queue.vision.domain.tuning import HALL_TUNING, TUNING_BY_DETECTOR, tuning_for
from services.queue.vision.settings import VisionSettings
from services.queue.vision.worker import CameraJob, CameraWorker

MOVENET, SSDLITE = TUNING_BY_DETECTOR[DetectorKind.MOVENET], TUNING_BY_DETECTOR[DetectorKind.SSDLITE]


def test_every_detector_has_a_tuning() -> None:
    assert set(TUNING_BY_DETECTOR) == set(DetectorKind)
    for tuning in TUNING_BY_DETECTOR.values():
        assert 0 < tuning.low_score <= tuning.high_floor < 1 and tuning.coast_s > 0


def test_the_low_score_is_the_cameras_else_the_services_else_the_detectors() -> None:
    unset = VisionSettings()
    assert unset.detector_low_score is None
    assert detector_factory.low_score_of(unset) == MOVENET.low_score  # the default detector
    assert detector_factory.low_score_of(unset, None, DetectorKind.SSDLITE) == SSDLITE.low_score
    assert detector_factory.low_score_of(VisionSettings(detector=DetectorKind.SSDLITE)) == SSDLITE.low_score
    forced = VisionSettings(detector_low_score=0.25)
    assert detector_factory.low_score_of(forced) == 0.25
    assert detector_factory.low_score_of(forced, 0.15, DetectorKind.SSDLITE) == 0.15


def test_the_low_score_never_passes_the_score_that_starts_tracks() -> None:
    high = VisionSettings(detector_low_score=0.9)
    assert detector_factory.low_score_of(high, None, DetectorKind.SSDLITE) == SSDLITE.high_floor
    assert detector_factory.low_score_of(high, None, DetectorKind.MOVENET) == MOVENET.high_floor
    strict = VisionSettings(detector_low_score=0.9, score_threshold=0.7)
    assert detector_factory.low_score_of(strict) == 0.7


def test_the_tuning_follows_the_cameras_detector() -> None:
    settings = VisionSettings()
    assert detector_factory.tuning_of(settings) is MOVENET
    assert detector_factory.tuning_of(settings, DetectorKind.SSDLITE) is SSDLITE
    assert detector_factory.tuning_of(VisionSettings(detector=DetectorKind.SSDLITE)) is SSDLITE


@pytest.mark.parametrize(
    ("camera", "tuning"),
    [
        ({}, MOVENET),
        ({"detector": "ssdlite"}, SSDLITE),
        ({"view": "elevated"}, HALL_TUNING),  # MoveNet on a hall camera keeps the thresholds of before
        ({"detector": "ssdlite", "view": "elevated"}, HALL_TUNING),
    ],
)
def test_the_worker_tracks_with_its_detectors_thresholds(camera: dict[str, Any], tuning: Any) -> None:
    worker = _worker(CameraConfig(**camera))
    assert worker._tuning is tuning
    assert worker._low_score == tuning.low_score


def _worker(camera: CameraConfig) -> CameraWorker:
    """A camera worker for ``camera`` with the service's default settings (not started)."""
    job = CameraJob("b1", "door", camera.model_dump(mode="json"), VisionSettings().model_dump(mode="json"))
    return CameraWorker(job, multiprocessing.Queue(), multiprocessing.Event())


def test_a_cameras_own_low_score_wins() -> None:
    assert _worker(CameraConfig(detector_low_score=0.3))._low_score == 0.3


def test_a_cameras_own_colour_share_wins() -> None:
    assert _worker(CameraConfig(appearance_weight=0.0))._tuning.appearance_weight == 0.0


def test_a_hall_camera_keeps_the_thresholds_of_before_with_movenet() -> None:
    assert tuning_for(DetectorKind.MOVENET) is MOVENET
    for kind in DetectorKind:
        assert tuning_for(kind, CameraView.ELEVATED) is HALL_TUNING
    thresholds = (HALL_TUNING.high_floor, HALL_TUNING.low_score, HALL_TUNING.coast_s)
    assert thresholds == (SSDLITE.high_floor, SSDLITE.low_score, SSDLITE.coast_s)
    settings = VisionSettings()
    assert detector_factory.low_score_of(settings, None, None, CameraView.ELEVATED) == SSDLITE.low_score
    assert detector_factory.tuning_of(settings, None, CameraView.ELEVATED) is HALL_TUNING


def test_eye_level_cameras_compare_colours_and_hall_cameras_do_not() -> None:
    for kind in DetectorKind:
        assert TUNING_BY_DETECTOR[kind].appearance_weight == 0.7
    assert HALL_TUNING.appearance_weight == 0.0


def test_count_offers_the_camera_views() -> None:
    assert tuple(v.value for v in CameraView) == cli.VIEWS
