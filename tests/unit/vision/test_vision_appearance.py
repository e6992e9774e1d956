"""Colour signatures (domain/appearance.py, adapters/appearance.py) and the tracker pairing overlapping boxes by
them: two people crossing keep their ids where boxes alone swap them."""

from __future__ import annotations

import argparse
from dataclasses import replace

import numpy as np
import pytest
from pydantic import ValidationError

from bench.counting import share_arg
from services.queue.vision.adapters import detector_factory
from services.queue.vision.adapters.appearance import colour_signature, with_appearance
from services.queue.vision.adapters.detectors import Image
from services.queue.vision.domain.appearance import (
    SIGNATURE_SIZE,
    appearance_scores,
    blend,
    normalised,
    similarity_matrix,
    upper_body,
)
from services.queue.vision.domain.camera_config import CameraConfig, CameraView, FrameSpec
from services.queue.vision.domain.geometry import Box, FloatArray
from services.queue.vision.domain.tracker import Detection, Tracker, TrackerParams
from services.queue.vision.settings import VisionSettings
from services.queue.vision.usecases.analysis import FrameAnalyzer, tracker_params

RED, BLUE = (0, 0, 255), (255, 0, 0)  # BGR


def one_hot(i: int) -> FloatArray:
    v = np.zeros(SIGNATURE_SIZE)
    v[i] = 1.0
    return v


SIG_RED, SIG_BLUE = one_hot(0), one_hot(40)


def box_at(x: float) -> Box:
    return Box(x, 50, x + 40, 150)


# Two people side by side (red at x 100, blue at x 120), then they cross: in frame 4 red is at 118 and blue at
# 102, each box overlapping the *other* track's predicted box more than its own; then they walk apart.
RED_X = [100, 100, 100, 118, 136, 154, 172]
BLUE_X = [120, 120, 120, 102, 84, 66, 48]


def test_the_upper_body_is_the_middle_of_the_box_below_the_head() -> None:
    assert upper_body(Box(100, 0, 150, 100), 640, 360) == (110, 15, 140, 60)
    assert upper_body(Box(-100, 0, -10, 100), 640, 360) is None  # off the frame
    assert upper_body(Box(630, 0, 700, 100), 640, 360) is None  # the upper body is past the right edge


def test_a_region_clipped_by_the_frame_edge_keeps_what_is_inside() -> None:
    assert upper_body(Box(600, 300, 700, 500), 640, 360) == (620, 330, 640, 360)
    assert upper_body(Box(0, 0, 3, 3), 640, 360) is None  # too small to say anything


def test_signatures_are_normalised_and_refuse_the_wrong_size() -> None:
    sig = normalised(np.arange(SIGNATURE_SIZE, dtype=np.float64))
    assert sig is not None and sig.sum() == pytest.approx(1.0)
    assert normalised(np.zeros(SIGNATURE_SIZE)) is None
    with pytest.raises(ValueError, match="bins"):
        normalised(np.ones(10))


def test_similarity_is_one_for_the_same_colours_zero_for_none_in_common_and_neutral_without_a_signature() -> None:
    half = (SIG_RED + SIG_BLUE) / 2
    sim = similarity_matrix([SIG_RED, None], [SIG_RED, SIG_BLUE, half, None])
    assert sim[0, :2] == pytest.approx([1.0, 0.0])
    assert sim[0, 2] == pytest.approx(np.sqrt(0.5))
    assert sim[0, 3] == 1.0 and (sim[1] == 1.0).all()


def test_a_tracks_signature_blends_slowly_and_keeps_what_it_had_when_nothing_is_seen() -> None:
    assert blend(None, SIG_RED, 0.9) is SIG_RED
    assert blend(SIG_RED, None, 0.9) is SIG_RED
    mixed = blend(SIG_RED, SIG_BLUE, 0.9)
    assert mixed is not None and mixed[0] == pytest.approx(0.9) and mixed[40] == pytest.approx(0.1)


def test_appearance_reorders_overlapping_pairs_but_never_pairs_what_does_not_overlap() -> None:
    iou = np.array([[0.9, 0.1], [0.3, 0.5]])
    sim = np.array([[0.0, 1.0], [1.0, 0.0]])
    scores = appearance_scores(iou, sim, 0.7, 0.2)
    assert scores[0, 1] == -1.0  # IoU 0.1 under the threshold: not a pair whatever the colours
    assert scores[1, 0] > scores[1, 1]  # same colours beat more overlap
    assert scores[0, 0] == pytest.approx(0.27)


def _frame(boxes_colours: list[tuple[Box, tuple[int, int, int]]]) -> Image:
    image = np.full((360, 640, 3), 128, dtype=np.uint8)
    for box, colour in boxes_colours:
        region = upper_body(box, 640, 360)
        assert region is not None
        x1, y1, x2, y2 = region
        image[y1:y2, x1:x2] = colour
    return image


def test_a_colour_signature_tells_red_from_blue_and_needs_a_colour_frame() -> None:
    image = _frame([(box_at(100), RED), (box_at(300), BLUE)])
    red, blue = colour_signature(image, box_at(100)), colour_signature(image, box_at(300))
    assert red is not None and blue is not None and red.sum() == pytest.approx(1.0)
    sim = similarity_matrix([red], [red, blue])
    assert sim[0, 0] == pytest.approx(1.0) and sim[0, 1] == pytest.approx(0.0)
    assert colour_signature(image[:, :, 0], box_at(100)) is None  # a grey frame: no colours
    assert colour_signature(image, Box(-200, 0, -100, 100)) is None


def test_detections_take_their_signatures_and_keep_one_they_had() -> None:
    image = _frame([(box_at(100), RED)])
    given = Detection(box_at(300), 0.8, SIG_BLUE)
    taken, kept = with_appearance(image, [Detection(box_at(100), 0.9), given])
    expected = colour_signature(image, box_at(100))
    assert taken.appearance is not None and expected is not None
    assert np.array_equal(taken.appearance, expected)
    assert kept is given
    assert Detection(box_at(100), 0.9, SIG_RED) == Detection(box_at(100), 0.9)  # the signature is no part of equality


def _crossing(weight: float, first_dressed: FloatArray = SIG_RED) -> dict[int, float]:
    """Ids to their x at the end of the crossing, tracked on boxes with signatures (the second walker in blue)."""
    tracker = Tracker(TrackerParams(min_hits=2, fps=10, appearance_weight=weight))
    out = []
    for rx, bx in zip(RED_X, BLUE_X, strict=True):
        out = tracker.update([Detection(box_at(rx), 0.9, first_dressed), Detection(box_at(bx), 0.9, SIG_BLUE)])
    return {p.track_id: p.box.x1 for p in out}


def test_boxes_alone_swap_the_crossing_people_and_colours_keep_them() -> None:
    boxes_only = _crossing(0.0)
    assert boxes_only[1] < 100 < boxes_only[2]  # id 1 started as the red person on the left... now on the left
    with_colours = _crossing(0.7)
    assert with_colours[1] > 150 > with_colours[2]  # id 1 followed the red person to the right


@pytest.mark.parametrize(
    "kwargs", [{"appearance_weight": -0.1}, {"appearance_weight": 1.5}, {"appearance_memory": 1.0}]
)
def test_tracker_params_refuse_appearance_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="appearance"):
        TrackerParams(**kwargs)


class Replay:
    """Detects the crossing people of the frame it is given, as an ideal detector would."""

    name = "replay"

    def __init__(self) -> None:
        self.frame = 0

    def detect(self, image: Image) -> list[Detection]:
        i, self.frame = self.frame, self.frame + 1
        return [Detection(box_at(RED_X[i]), 0.9), Detection(box_at(BLUE_X[i]), 0.9)]


def _analysed_crossing(params: TrackerParams) -> dict[int, float]:
    camera = CameraConfig(frame=FrameSpec(width=640, height=360), analysis_fps=10)
    analyzer = FrameAnalyzer(camera, Replay(), params=params)
    people = []
    for i, (rx, bx) in enumerate(zip(RED_X, BLUE_X, strict=True)):
        image = _frame([(box_at(bx), BLUE), (box_at(rx), RED)])  # red in front where they overlap
        people = analyzer.analyze(image, i / 10).people
    return {p.track_id: p.box.x1 for p in people}


def test_the_analyzer_takes_the_colours_from_the_frame_when_the_tuning_says_so() -> None:
    params = tracker_params(0.5, 10.0)  # an eye-level camera: colours on
    assert params.appearance_weight == 0.7
    assert _analysed_crossing(replace(params, appearance_weight=0.0))[1] < 100
    assert _analysed_crossing(params)[1] > 150


def test_the_bench_takes_an_appearance_weight_between_0_and_1() -> None:
    assert share_arg("0.7") == 0.7
    for bad in ("1.5", "-0.1", "much"):
        with pytest.raises(argparse.ArgumentTypeError, match="share"):
            share_arg(bad)


def test_people_dressed_alike_are_paired_by_overlap_as_before() -> None:
    assert _crossing(0.7, first_dressed=SIG_BLUE) == _crossing(0.0)  # one uniform: colours say nothing


def test_the_camera_then_the_service_then_the_view_set_the_colour_share() -> None:
    measured = VisionSettings()
    assert measured.appearance_weight is None
    assert detector_factory.tuning_of(measured).appearance_weight == 0.7
    assert detector_factory.tuning_of(measured, None, CameraView.ELEVATED).appearance_weight == 0.0
    forced = VisionSettings(appearance_weight=0.0)
    assert detector_factory.tuning_of(forced).appearance_weight == 0.0
    assert detector_factory.tuning_of(forced, None, CameraView.EYE_LEVEL, 0.5).appearance_weight == 0.5
    with pytest.raises(ValidationError):
        CameraConfig(appearance_weight=1.5)
