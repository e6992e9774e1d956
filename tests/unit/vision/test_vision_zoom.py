"""Track-guided zoom (issue 20): which tracked people are looked for again, the windows, the box kept, the
tracker's prediction without moving it on, the re-detector in frame pixels, the analyzer keeping a person the
whole-frame detector lost, the settings (service, camera, ``branchops count --zoom``)."""

from __future__ import annotations

import argparse
import multiprocessing
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

from services.queue.vision import cli
from services.queue.vision.adapters import detector_factory
from services.queue.vision.adapters.detectors import Image
from services.queue.vision.adapters.zoom_detector import ZoomRedetector
from services.queue.vision.domain.camera_config import CameraConfig, DetectorKind, FrameSpec
from services.queue.vision.domain.geometry import Box
from services.queue.vision.domain.tracker import Detection, PredictedTrack, Tracker, TrackerParams
from services.queue.vision.domain.zoom import ZoomParams, recovered, to_frame, window_around, zoom_windows
from services.queue.vision.settings import VisionSettings
from services.queue.vision.usecases.analysis import FrameAnalyzer
from services.queue.vision.worker import CameraJob, CameraWorker

ON = ZoomParams(max_windows=2, max_lost=3)


def _person(x: float, y: float, h: float = 100.0) -> Box:
    return Box(x, y, x + h * 0.4, y + h)


def test_the_window_is_a_square_of_three_heights_centred_on_the_prediction() -> None:
    w = window_around(_person(400, 200), 1280, 720, ON)
    assert w is not None
    assert (w.x0, w.y0, w.x1, w.y1) == (270, 100, 570, 400)
    assert w.target == _person(400, 200)


def test_a_window_at_the_edge_is_moved_inside_not_cut() -> None:
    w = window_around(_person(0, 600), 1280, 720, ON)
    assert w is not None
    assert (w.x0, w.y0, w.x1, w.y1) == (0, 420, 300, 720)


def test_a_window_larger_than_the_frame_is_the_frame() -> None:
    w = window_around(_person(10, 10, 300), 320, 240, ON)
    assert w is not None
    assert (w.x0, w.y0, w.x1, w.y1) == (0, 0, 320, 240)


def test_a_far_person_gets_at_least_the_minimum_window() -> None:
    w = window_around(_person(100, 100, 8), 640, 360, ON)
    assert w is not None
    assert (w.x1 - w.x0, w.y1 - w.y0) == (ON.min_side, ON.min_side)


def test_only_tracks_no_detection_covers_are_looked_for() -> None:
    seen, lost = PredictedTrack(1, _person(100, 100), 0), PredictedTrack(2, _person(600, 100), 0)
    detections = [Detection(_person(104, 102), 0.9)]
    windows = zoom_windows([seen, lost], detections, 1280, 720, ON)
    assert [w.target for w in windows] == [lost.box]


def test_long_lost_and_walked_out_tracks_are_not_looked_for() -> None:
    old = PredictedTrack(1, _person(100, 100), ON.max_lost + 1)
    out = PredictedTrack(2, _person(1270, 100), 0)  # three quarters of the box right of a 1280 px frame
    assert zoom_windows([old, out], [], 1280, 720, ON) == []


def test_most_recently_seen_then_nearest_first_and_at_most_max_windows() -> None:
    tracks = [
        PredictedTrack(1, _person(100, 100, 80), 2),
        PredictedTrack(2, _person(400, 100, 80), 0),
        PredictedTrack(3, _person(700, 100, 160), 0),
    ]
    windows = zoom_windows(tracks, [], 1280, 720, ON)
    assert [w.target for w in windows] == [tracks[2].box, tracks[1].box]


def test_zoom_off_gives_no_window() -> None:
    assert zoom_windows([PredictedTrack(1, _person(100, 100), 0)], [], 1280, 720, ZoomParams()) == []


@pytest.mark.parametrize(
    "bad",
    [
        {"max_windows": -1},
        {"max_lost": -1},
        {"min_side": 4},
        {"side": 0.5},
        {"covered_iou": 0.0},
        {"match_iou": 1.0},
        {"min_inside": 0.0},
    ],
)
def test_bad_zoom_parameters_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        ZoomParams(**bad)


def test_the_box_kept_is_the_one_over_the_prediction() -> None:
    window = window_around(_person(400, 200), 1280, 720, ON)
    assert window is not None
    neighbour = Detection(_person(480, 200), 0.95)
    own = Detection(_person(405, 205), 0.4)
    assert recovered(window, [neighbour, own], ON.match_iou) == own
    assert recovered(window, [neighbour], ON.match_iou) is None
    assert recovered(window, [], ON.match_iou) is None


def test_boxes_found_in_a_window_move_to_frame_pixels() -> None:
    window = window_around(_person(400, 200), 1280, 720, ON)
    assert window is not None
    (moved,) = to_frame(window, [Detection(Box(10, 20, 50, 120), 0.7)])
    assert moved == Detection(Box(10 + window.x0, 20 + window.y0, 50 + window.x0, 120 + window.y0), 0.7)


def test_predictions_are_what_update_matches_and_do_not_move_the_tracker() -> None:
    tracker = Tracker(TrackerParams(min_hits=1, fps=10))
    for i in range(3):
        tracker.update([Detection(_person(100 + 10 * i, 100), 0.9)], t=i / 10)
    first = tracker.predictions(0.3)
    assert tracker.predictions(0.3) == first  # asking twice changes nothing
    (p,) = first
    assert (p.track_id, p.lost) == (1, 0)
    assert p.box.x1 == pytest.approx(130, abs=3)  # walking right 10 px a frame
    out = tracker.update([Detection(p.box, 0.9)], t=0.3)
    assert [(o.track_id, o.coasting) for o in out] == [(1, False)]
    assert out[0].box.x1 == pytest.approx(p.box.x1, abs=0.5)


def test_tentative_tracks_are_not_predicted() -> None:
    tracker = Tracker(TrackerParams(min_hits=2))
    tracker.update([Detection(_person(100, 100), 0.9)], t=0.0)
    assert tracker.predictions(0.1) == []


class BlobDetector:
    """Finds the bright blob of an image, unless it is smaller than ``min_height`` pixels (a stand-in for a
    detector that misses small people and sees them in a zoomed window, which the detector resizes)."""

    name = "blob"

    def __init__(self, min_height: int = 0, resize_to: int | None = None) -> None:
        self.min_height = min_height
        self.resize_to = resize_to
        self.calls = 0

    def detect(self, image: Image) -> list[Detection]:
        self.calls += 1
        ys, xs = np.nonzero(image[:, :, 0])
        if not len(xs):
            return []
        seen_height = (ys.max() + 1 - ys.min()) * (self.resize_to / image.shape[0] if self.resize_to else 1.0)
        if seen_height < self.min_height:
            return []
        return [Detection(Box(float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1)), 0.9)]


def _frame(x: int, h: int = 40) -> Image:
    image = np.zeros((360, 640, 3), dtype=np.uint8)
    image[150 : 150 + h, x : x + h // 3] = 255
    return image


def test_the_redetector_finds_a_lost_person_in_frame_pixels_one_run_a_window() -> None:
    inner = BlobDetector(min_height=60, resize_to=300)  # the 40 px person is 100 px tall in a 120 px window
    zoom = ZoomRedetector(inner, ON)
    predicted = [PredictedTrack(1, Box(300, 150, 313, 190), 0)]
    (found,) = zoom.recover(_frame(300), predicted, [])
    assert (found.box.x1, found.box.y1, found.box.x2, found.box.y2) == (300, 150, 313, 190)
    assert (zoom.runs, inner.calls) == (1, 1)
    assert zoom.recover(_frame(300), predicted, [Detection(Box(300, 150, 313, 190), 0.9)]) == []
    assert zoom.runs == 1  # covered by a detection: no window, no run


def test_a_redetector_needs_a_window() -> None:
    with pytest.raises(ValueError, match="max_windows >= 1"):
        ZoomRedetector(BlobDetector(), ZoomParams())


class FlakyDetector(BlobDetector):
    """The whole-frame detector: sees the person except on the frames listed."""

    def __init__(self, blind: set[int]) -> None:
        super().__init__()
        self.blind = blind
        self.frame = 0

    def detect(self, image: Image) -> list[Detection]:
        self.frame += 1
        return [] if self.frame in self.blind else super().detect(image)


def _walk(zoom: ZoomRedetector | None) -> list[list[tuple[int, bool]]]:
    camera = CameraConfig(frame=FrameSpec(width=640, height=360), analysis_fps=10)
    params = TrackerParams(min_hits=2, max_lost=10, max_coast=0, fps=10)
    analyzer = FrameAnalyzer(camera, FlakyDetector(blind={4, 5, 6}), params=params, zoom=zoom)
    return [[(p.track_id, p.coasting) for p in analyzer.analyze(_frame(100 + 8 * i), i / 10).people] for i in range(9)]


def test_the_analyzer_keeps_a_person_the_whole_frame_detector_lost() -> None:
    without = _walk(None)
    assert without[3:6] == [[], [], []]  # missed for three frames, not reported (no coasting here)
    with_zoom = _walk(ZoomRedetector(BlobDetector(), ON))
    assert with_zoom[1:] == [[(1, False)]] * 8  # seen in every frame, one id


def test_the_service_and_the_camera_set_the_windows() -> None:
    settings = VisionSettings()
    assert settings.zoom_windows is None  # unset: the measured best for the detector
    assert detector_factory.zoom_windows_of(settings) == 0  # the default detector, MoveNet: no gain from zoom
    assert detector_factory.zoom_windows_of(settings, None, DetectorKind.SSDLITE) == 2
    assert detector_factory.zoom_windows_of(VisionSettings(detector=DetectorKind.SSDLITE)) == 2
    assert detector_factory.zoom_windows_of(VisionSettings(zoom_windows=1), None, DetectorKind.SSDLITE) == 1
    assert detector_factory.zoom_windows_of(settings, 0, DetectorKind.SSDLITE) == 0
    assert detector_factory.zoom_windows_of(VisionSettings(zoom_windows=0), 3) == 3
    assert CameraConfig().zoom_windows is None
    for bad in (-1, 9):
        with pytest.raises(ValidationError, match="zoom_windows"):
            CameraConfig(zoom_windows=bad)
        with pytest.raises(ValidationError, match="zoom_windows"):
            VisionSettings(zoom_windows=bad)


def test_zoom_params_follow_the_analysis_rate() -> None:
    assert detector_factory.zoom_params(2, 5.0).max_lost == 2  # 0.5 s at 5 fps
    assert detector_factory.zoom_params(2, 30.0).max_lost == 15
    assert detector_factory.zoom_params(1, 1.0).max_lost == 1  # at least the last frame
    assert detector_factory.build_zoom(VisionSettings(), 0, 5.0) is None


def test_the_built_zoom_runs_the_pinned_model_alone() -> None:
    zoom = detector_factory.build_zoom(VisionSettings(detector=DetectorKind.SSDLITE), 2, 5.0, low_score=0.25)
    assert zoom is not None
    assert zoom.inner.name == "ssdlite"
    assert getattr(zoom.inner, "score_threshold", None) == 0.25
    assert zoom.params.max_windows == 2


def _worker(camera: dict[str, Any], detector: Any = None) -> CameraWorker:
    job = CameraJob(
        "b1", "door", CameraConfig(**camera).model_dump(mode="json"), VisionSettings().model_dump(mode="json")
    )
    return CameraWorker(job, multiprocessing.Queue(), multiprocessing.Event(), detector=detector)


def test_the_worker_builds_zoom_with_the_camera_windows_else_the_service_ones() -> None:
    own = _worker({"zoom_windows": 1, "analysis_fps": 10})._build_zoom()
    assert own is not None
    assert (own.params.max_windows, own.params.max_lost) == (1, 5)
    assert _worker({})._build_zoom() is None  # the default detector (MoveNet) gains nothing from zoom
    ssdlite = _worker({"detector": "ssdlite"})._build_zoom()  # the measured default for SSDLite: 2 windows
    assert ssdlite is not None and ssdlite.params.max_windows == 2 and ssdlite.inner.name == "ssdlite"
    assert _worker({"zoom_windows": 0, "detector": "ssdlite"})._build_zoom() is None


def test_count_takes_zoom_windows_0_to_8() -> None:
    assert cli.zoom_windows_arg("0") == 0
    assert cli.zoom_windows_arg("8") == 8
    for bad in ("9", "-1", "two", "1.5"):
        with pytest.raises(argparse.ArgumentTypeError, match=r"0\.\.8"):
            cli.zoom_windows_arg(bad)
