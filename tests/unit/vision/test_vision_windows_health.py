"""Footfall windows, camera health transitions, reconnect backoff, NMS and YOLO decoding."""

from __future__ import annotations

import numpy as np
import pytest

from branchops.contracts.enums import CameraState
from services.queue.vision.adapters.onnx_yolo import decode_yolo
from services.queue.vision.domain.footfall import WindowAggregator
from services.queue.vision.domain.health import Backoff, CameraHealth
from services.queue.vision.domain.nms import Letterbox, nms


def test_windows_are_aligned_and_count_increments() -> None:
    agg = WindowAggregator(10.0)
    agg.add(103.0, 1, 0)
    agg.add(108.0, 2, 1)
    assert not agg.due(109.9) and agg.due(110.0)
    w = agg.close({"waiting": 3}, {"waiting": 12.5}, 110.0)
    assert (w.window_start, w.window_end, w.entered, w.exited) == (100.0, 110.0, 3, 1)
    agg.add(111.0)
    assert agg.close({}, {}, 200.0).entered == 0
    assert agg.due(205.0) is False and agg.due(210.0)  # after a gap the next window is the current one


@pytest.mark.parametrize("interval", [0.5, 5000.0])
def test_window_interval_bounds(interval: float) -> None:
    with pytest.raises(ValueError):
        WindowAggregator(interval)


def test_window_refuses_negative_counts() -> None:
    with pytest.raises(ValueError):
        WindowAggregator().add(1.0, -1, 0)


def test_backoff_doubles_to_the_cap_and_resets() -> None:
    b = Backoff(0.5, 4.0)
    assert [b.failure() for _ in range(6)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    b.success()
    assert b.failure() == 0.5
    with pytest.raises(ValueError):
        Backoff(0, 1)


def test_health_goes_up_degraded_down_and_up_again() -> None:
    h = CameraHealth(target_fps=5, degraded_ratio=0.6, down_after_s=10, window_s=5)
    first = h.frame(0.0)
    assert first is not None and first.state is CameraState.UP
    changes = [h.frame(t / 5) for t in range(1, 40)]
    assert all(c is None for c in changes)  # steady 5 fps: no new status
    slow = [h.frame(8.0 + t) for t in range(1, 8)]  # 1 fps now
    degraded = [c for c in slow if c is not None]
    assert degraded and degraded[0].state is CameraState.DEGRADED and "target 5" in (degraded[0].error or "")
    down = h.tick(40.0)
    assert down is not None and down.state is CameraState.DOWN and down.fps == 0
    failure = h.failure(41.0, "cannot open the source")
    assert failure is None  # already down: no repeated event
    assert (h.frame(50.0) or h.frame(50.2)) is not None and h.state is CameraState.UP


def test_corrupt_frames_degrade() -> None:
    h = CameraHealth(target_fps=5)
    h.frame(0.0)
    changes = [h.bad_frame(0.1 * i, "corrupt or empty frame") for i in range(1, 4)]
    assert changes[-1] is not None and changes[-1].state is CameraState.DEGRADED


def test_nms_keeps_the_best_of_overlapping_boxes() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]], float)
    assert nms(boxes, np.array([0.8, 0.9, 0.5]), 0.5) == [1, 2]


@pytest.mark.parametrize(
    ("boxes", "scores", "iou"),
    [
        (np.zeros((2, 3)), np.zeros(2), 0.5),
        (np.zeros((2, 4)), np.zeros(3), 0.5),
        (np.zeros((2, 4)), np.zeros(2), 1.5),
    ],
)
def test_nms_refuses_nonsense(boxes: np.ndarray, scores: np.ndarray, iou: float) -> None:
    with pytest.raises(ValueError):
        nms(boxes, scores, iou)


def test_letterbox_round_trip() -> None:
    lb = Letterbox(1280, 720, 640)
    assert lb.scale == 0.5 and lb.resized == (640, 360) and lb.pad == (0, 140)
    back = lb.to_image(np.array([[100.0, 140.0 + 50, 200.0, 140.0 + 150]]))
    assert back.tolist() == [[200.0, 100.0, 400.0, 300.0]]


def _yolo_rows() -> np.ndarray:
    # cx, cy, w, h in 640 input pixels, then class scores (person = 0, something else = 1)
    return np.array(
        [
            [320, 320, 40, 100, 0.9, 0.05],
            [322, 321, 40, 100, 0.8, 0.05],  # duplicate of the first
            [100, 300, 40, 100, 0.1, 0.9],  # not a person
            [500, 300, 40, 100, 0.6, 0.1],
            *[[10, 10, 5, 5, 0.0, 0.0]] * 8,  # empty candidates, as a real model has thousands
        ]
    )


@pytest.mark.parametrize("layout", ["v8", "v5"])
def test_decode_yolo_layouts(layout: str) -> None:
    rows = _yolo_rows()
    # v8: [1, 4 + C, N]; v5: [1, N, 5 + C] with objectness 1
    output = rows.T[None] if layout == "v8" else np.insert(rows, 4, 1.0, axis=1)[None]
    found = decode_yolo(output, Letterbox(640, 640, 640), person_class=0, threshold=0.3, nms_iou=0.45)
    assert [round(d.box.center.x) for d in found] == [320, 500]


def test_decode_yolo_refuses_unknown_class_and_shape() -> None:
    with pytest.raises(ValueError, match="person class"):
        decode_yolo(_yolo_rows().T[None], Letterbox(640, 640, 640), 5, 0.3, 0.45)
    with pytest.raises(ValueError, match="shape"):
        decode_yolo(np.zeros((1, 3)), Letterbox(640, 640, 640), 0, 0.3, 0.45)
