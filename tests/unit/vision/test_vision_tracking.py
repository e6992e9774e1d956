"""Tracker and zones on synthetic boxes; synthetic scenes through the whole pipeline with exact counts."""

from __future__ import annotations

import pytest

from bench.vision.scenes import ALL_SCENES, Noise, Scene, noisy_detections
from services.queue.vision.domain.camera_config import CameraConfig, DetectorKind
from services.queue.vision.domain.geometry import Box, Polygon
from services.queue.vision.domain.pipeline import WHOLE_FRAME, CountingPipeline, Geometry
from services.queue.vision.domain.tracker import Detection, TrackedPerson, Tracker, TrackerParams, greedy_match
from services.queue.vision.domain.tuning import SSDLITE_TUNING, TUNING_BY_DETECTOR
from services.queue.vision.domain.zones import Zone, ZoneSet
from services.queue.vision.usecases.analysis import tracker_params


def det(x: float, y: float = 100, score: float = 0.9) -> Detection:
    return Detection(Box(x, y, x + 30, y + 80), score)


def test_ids_are_stable_and_given_on_confirmation() -> None:
    tracker = Tracker(TrackerParams(min_hits=2))
    assert tracker.update([det(10), det(300)]) == []  # tentative: no id burnt yet
    for step in range(1, 20):
        out = tracker.update([det(10 + 4 * step), det(300 - 4 * step)])
        assert sorted(p.track_id for p in out) == [1, 2]
    assert {p.track_id: p.box.x1 < 150 for p in out} == {1: True, 2: False}


def test_track_survives_missed_frames_and_low_scores() -> None:
    tracker = Tracker(TrackerParams(min_hits=1, max_lost=5))
    tracker.update([det(10)])
    tracker.update([det(15)])
    for _ in range(3):
        assert tracker.update([]) == []
    assert [p.track_id for p in tracker.update([det(35)])] == [1]  # found again after 3 missed frames
    assert [p.track_id for p in tracker.update([det(40, score=0.2)])] == [1]  # a low score keeps it going
    assert tracker.update([det(500, score=0.2)]) == []  # a low score never starts a track


def test_one_frame_false_alarm_gets_no_id() -> None:
    tracker = Tracker(TrackerParams(min_hits=2))
    tracker.update([det(400)])
    assert tracker.update([]) == []
    assert tracker.update([det(100)]) == []
    assert [p.track_id for p in tracker.update([det(102)])] == [1]


@pytest.mark.parametrize(
    "kwargs", [{"low_score": 0.6, "high_score": 0.5}, {"match_iou": 0}, {"min_hits": 0}, {"max_lost": -1}]
)
def test_tracker_params_refuse_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        TrackerParams(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("score", [-0.1, 1.5])
def test_detection_score_must_be_a_probability(score: float) -> None:
    with pytest.raises(ValueError, match=r"outside 0\.\.1"):
        Detection(Box(0, 0, 1, 1), score)


def test_greedy_match_takes_best_pairs_first() -> None:
    import numpy as np

    iou = np.array([[0.9, 0.5], [0.6, 0.1]])
    assert greedy_match(iou, 0.3) == [(0, 0)]  # row 1's only good column is taken; 0.1 is below threshold


def person(track_id: int, x: float, feet_y: float) -> TrackedPerson:
    return TrackedPerson(track_id, Box(x - 15, feet_y - 80, x + 15, feet_y), 0.9)


def test_zone_occupancy_dwell_and_staff() -> None:
    waiting = Zone("waiting", Polygon.of([(0, 0), (200, 0), (200, 200), (0, 200)]))
    zones = ZoneSet([waiting], [Polygon.of([(400, 0), (640, 0), (640, 360), (400, 360)])], staff_min_frames=2)
    for t in range(5):
        occupancy = zones.update([person(1, 100, 150), person(2, 150, 150), person(3, 500, 150)], float(t))
    assert occupancy == {"waiting": 2}
    assert zones.staff_ids == {3}
    zones.update([person(1, 100, 150), person(2, 300, 250)], 6.0)  # 2 leaves after 6 s
    assert zones.occupancy == {"waiting": 1}
    assert zones.take_dwell_p50(8.0) == {"waiting": 7.0}  # samples: 6 s (left) and 8 s (still inside)
    zones.update([person(3, 100, 150)], 9.0)  # staff walking into the waiting area stays staff
    assert zones.occupancy == {"waiting": 1}


def test_zone_names_must_be_unique() -> None:
    square = Polygon.of([(0, 0), (10, 0), (10, 10)])
    with pytest.raises(ValueError, match="unique"):
        ZoneSet([Zone("a", square), Zone("a", square)], [])


def test_reserved_zone_name() -> None:
    with pytest.raises(ValueError, match="reserved"):
        CountingPipeline(Geometry(zones={WHOLE_FRAME: Polygon.of([(0, 0), (10, 0), (10, 10)])}))


def run_scene(scene: Scene, seed: int) -> tuple[int, int, int]:
    camera = CameraConfig.model_validate(scene.camera_yaml())
    pipeline = CountingPipeline(camera.geometry(), tracker_params(0.3, scene.fps))
    noise = Noise(seed=seed)
    ids: set[int] = set()
    for _, t in scene.times():
        result = pipeline.step(noisy_detections(scene, t, noise), t)
        ids |= {p.track_id for p in result.people}
    return result.entered, result.exited, len(ids)


@pytest.mark.parametrize("make", ALL_SCENES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_synthetic_scenes_count_exactly(make: object, seed: int) -> None:
    scene: Scene = make()  # type: ignore[operator]
    entered, exited, ids = run_scene(scene, seed)
    assert (entered, exited) == (scene.expected_entered, scene.expected_exited)
    assert ids <= len(scene.walkers) + 1  # at most one spurious id from a false alarm


# --- low frame rates, lost tracks, the distance pass ---------------------------------------------


def test_fast_walker_at_5_fps_keeps_its_id_when_boxes_stop_overlapping() -> None:
    """40 px per 200 ms on a 30 px wide box: consecutive boxes never overlap, IoU alone loses the id."""
    tracker = Tracker(TrackerParams(min_hits=2, max_lost=15, fps=5.0))
    ids = set()
    for step in range(12):
        out = tracker.update([det(20 + 40 * step)], t=step * 0.2)
        ids |= {p.track_id for p in out}
    assert ids == {1}
    iou_only = Tracker(TrackerParams(min_hits=2, max_lost=15, fps=5.0, distance_gate=0))
    for step in range(12):
        iou_only.update([det(20 + 40 * step)], t=step * 0.2)
    assert iou_only.live_ids == set()  # without the distance pass no track is ever confirmed


def test_distance_pass_refuses_far_or_different_sized_boxes() -> None:
    tracker = Tracker(TrackerParams(min_hits=1, fps=5.0))
    tracker.update([det(100)], t=0.0)
    tracker.update([det(100)], t=0.2)
    assert [p.track_id for p in tracker.update([det(300)], t=0.4)] == [2]  # 200 px away: a new person
    import numpy as np

    from services.queue.vision.domain.tracker import centre_distance

    predicted = np.array([[100.0, 100, 130, 180]])
    near = centre_distance(predicted, np.array([[130.0, 100, 160, 180], [120.0, 20, 160, 180]]), 1.5)
    assert near[0, 0] == pytest.approx(30 / 80)  # 30 px beside it: 0.375 box heights
    assert near[0, 1] == np.inf  # twice the height: never the same person


def test_lost_box_keeps_its_size() -> None:
    tracker = Tracker(TrackerParams(min_hits=1, max_lost=30, fps=5.0))
    for step, grow in enumerate([0, 6, 12, 18]):  # a box growing 6 px a frame
        tracker.update([Detection(Box(100, 100, 130 + grow, 180 + grow), 0.9)], t=step * 0.2)
    for step in range(4, 14):
        tracker.update([], t=step * 0.2)
    _, y1, _, y2 = tracker._tracks[0].kf.box
    assert y2 - y1 < 110  # held at its last size (about 98), not extrapolated by 10 more frames


def line_pipeline(fps: float) -> CountingPipeline:
    camera = CameraConfig.model_validate(
        {
            "frame": {"width": 640, "height": 360},
            "analysis_fps": fps,
            "lines": [{"name": "door", "points": [[0, 200], [640, 200]]}],
        }
    )
    return CountingPipeline(camera.geometry(), tracker_params(0.3, fps))


def walk(pipeline: CountingPipeline, feet: list[float | None], fps: float, x: float = 300) -> tuple[int, int, set[int]]:
    ids: set[int] = set()
    for i, y in enumerate(feet):
        dets = [] if y is None else [Detection(Box(x - 17, y - 90, x + 17, y), 0.9)]
        result = pipeline.step(dets, i / fps)
        ids |= {p.track_id for p in result.people}
    return result.entered, result.exited, ids


def test_track_lost_on_one_side_and_found_on_the_other_counts_once() -> None:
    feet: list[float | None] = [120, 135, 150, 165] + [None] * 4 + [245, 260, 275, 290, 305]  # hidden 0.8 s
    assert walk(line_pipeline(5.0), feet, 5.0) == (1, 0, {1})


def test_track_lost_and_found_on_the_same_side_counts_nothing() -> None:
    feet: list[float | None] = [120, 135, 150, 160] + [None] * 5 + [165, 160, 150, 140]
    assert walk(line_pipeline(5.0), feet, 5.0)[:2] == (0, 0)


def test_track_lost_for_longer_than_the_keep_time_is_a_new_person() -> None:
    feet: list[float | None] = [120, 135, 150, 165] + [None] * 20 + [245, 260, 275, 290]  # 4 s > 3 s
    entered, exited, ids = walk(line_pipeline(5.0), feet, 5.0)
    assert (entered, exited) == (0, 0) and len(ids) == 2


@pytest.mark.parametrize("fps", [5.0, 10.0, 25.0])
@pytest.mark.parametrize("seed", range(5))
def test_jitter_and_misses_on_the_line_never_count(fps: float, seed: int) -> None:
    """Feet jittering inside the dead band (a tenth of the 90 px box) with missed frames: no count, ever,
    even when the track is lost and found again around the line."""
    import random

    rng = random.Random(seed)
    feet: list[float | None] = [None if rng.random() < 0.25 else 200 + rng.uniform(-8, 8) for _ in range(int(8 * fps))]
    assert walk(line_pipeline(fps), [150.0, 160.0, *feet], fps)[:2] == (0, 0)


# --- two-stage association and coasting (issue 20) ----------------------------------------------


def two_stage(max_coast: int = 3, max_lost: int = 5) -> Tracker:
    return Tracker(TrackerParams(high_score=0.5, low_score=0.1, min_hits=2, max_lost=max_lost, max_coast=max_coast))


def test_low_score_detection_extends_a_track_but_never_starts_one() -> None:
    tracker = two_stage()
    for _ in range(5):
        assert tracker.update([det(400, score=0.3)]) == []  # a person seen only at low scores: no track, no id
    assert tracker._tracks == []
    tracker.update([det(10)])
    tracker.update([det(14)])
    out = tracker.update([det(18, score=0.3), det(400, score=0.3)])  # second pass: the low box keeps track 1
    assert [(p.track_id, p.score, p.coasting) for p in out] == [(1, 0.3, False)]
    assert len(tracker._tracks) == 1  # and the unmatched low box started nothing
    below = tracker.update([det(22, score=0.05)])  # under the low threshold: as good as nothing
    assert [(p.track_id, p.coasting) for p in below] == [(1, True)]


def test_coasting_track_keeps_its_id_through_a_three_frame_gap() -> None:
    tracker = two_stage(max_coast=3)
    for step in range(4):
        tracker.update([det(10 + 5 * step, score=0.8)])
    gap = [tracker.update([]) for _ in range(3)]
    assert [[(p.track_id, p.coasting, p.score) for p in out] for out in gap] == [[(1, True, 0.8)]] * 3
    xs = [p.box.x1 for out in gap for p in out]
    assert 25 < xs[0] < xs[1] < xs[2] < 45  # the predicted box walks on from the last one seen (x1 25)
    back = tracker.update([det(45)])
    assert [(p.track_id, p.coasting) for p in back] == [(1, False)]


def test_track_coasting_too_long_is_dropped() -> None:
    tracker = two_stage(max_coast=2, max_lost=4)
    for step in range(4):
        tracker.update([det(10 + 5 * step)])
    shown = [len(tracker.update([])) for _ in range(5)]
    assert shown == [1, 1, 0, 0, 0]  # reported while coasting (2 frames), then no longer
    assert tracker.live_ids == set()  # kept max_lost frames for a comeback, then dropped
    tracker.update([det(40)])
    assert [p.track_id for p in tracker.update([det(45)])] == [2]  # found again later: a new person


def test_coasting_is_bounded_by_the_keep_time() -> None:
    with pytest.raises(ValueError, match="max_coast"):
        TrackerParams(max_lost=3, max_coast=4)


@pytest.mark.parametrize("fps", [5.0, 25.0])
def test_tracker_params_scale_coasting_with_the_analysis_rate(fps: float) -> None:
    p = tracker_params(0.3, fps, 0.1)
    assert p.low_score == 0.1 and p.high_score >= 0.3
    assert p.max_coast == max(1, round(SSDLITE_TUNING.coast_s * fps)) and p.max_lost == max(3, round(3 * fps))
    assert tracker_params(0.3, fps).low_score == 0.3  # no low threshold: nothing below the score threshold


@pytest.mark.parametrize("kind", list(DetectorKind))
def test_tracker_params_follow_the_detectors_tuning(kind: DetectorKind) -> None:
    tuning = TUNING_BY_DETECTOR[kind]
    p = tracker_params(0.3, 10.0, tuning.low_score, tuning)
    assert (p.high_score, p.new_track_score, p.low_score) == (tuning.high_floor, tuning.high_floor, tuning.low_score)
    assert p.max_coast == round(tuning.coast_s * 10)
    assert tracker_params(0.7, 10.0, 0.2, tuning).high_score == 0.7  # a higher score threshold still rules


def test_movenet_starts_tracks_higher_and_coasts_longer_than_ssdlite() -> None:
    movenet, ssdlite = (
        tracker_params(0.3, 25.0, None, TUNING_BY_DETECTOR[k]) for k in (DetectorKind.MOVENET, DetectorKind.SSDLITE)
    )
    assert movenet.high_score > ssdlite.high_score and movenet.max_coast > ssdlite.max_coast


@pytest.mark.parametrize("fps", [5.0, 10.0, 25.0])
@pytest.mark.parametrize("seed", range(5))
def test_jitter_at_low_scores_and_gaps_on_the_line_never_counts(fps: float, seed: int) -> None:
    """A person standing on the line, boxes jittering inside the dead band, a quarter of the frames missed
    and the rest at any score from the low threshold up: the second pass and coasting keep one track, and
    it never counts."""
    import random

    rng = random.Random(seed)
    pipeline = CountingPipeline(line_pipeline(fps).geometry, tracker_params(0.3, fps, 0.1))
    ids: set[int] = set()
    walk_up = [150.0, 165.0, 180.0, 190.0, 196.0, 200.0, 200.0]  # walks up to the line and stops there
    feet = walk_up + [200 + rng.uniform(-8, 8) for _ in range(int(8 * fps))]
    for i, y in enumerate(feet):
        standing = i >= len(walk_up)
        score = rng.uniform(0.1, 0.9) if standing else 0.9
        dets = [] if standing and rng.random() < 0.25 else [Detection(Box(283, y - 90, 317, y), round(score, 3))]
        result = pipeline.step(dets, i / fps)
        ids |= {p.track_id for p in result.people}
    assert (result.entered, result.exited) == (0, 0)
    assert ids == {1}


def test_coasting_box_is_clipped_to_the_frame_and_ends_when_the_person_walks_out() -> None:
    tracker = Tracker(TrackerParams(min_hits=1, max_lost=10, max_coast=10, frame=(200.0, 300.0)))
    for step in range(6):
        tracker.update([det(100 + 10 * step)])  # walking right, 10 px a frame, box 30 px wide: x1 150 last
    widths = []
    for _ in range(6):
        out = tracker.update([])
        assert all(p.coasting and 0 <= p.box.x1 < p.box.x2 <= 200 for p in out)
        widths.append(round(out[0].box.width) if out else 0)
    assert widths[0] > 15 and widths[-1] == 0  # clipped while mostly inside, then not reported at all
    assert widths == sorted(widths, reverse=True)
