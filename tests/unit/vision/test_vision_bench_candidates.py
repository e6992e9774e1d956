"""The candidate-detector bench's pure parts: NanoDet / CenterNet / MoveNet decoding and the pooled table."""

from __future__ import annotations

import numpy as np
import pytest

from bench.detector_candidates import movenet_person_boxes, pool
from bench.vision.candidate_decoders import centernet_person_boxes, nanodet_person_boxes, to_image

REG_MAX = 10


def _peaked(distances: list[int]) -> np.ndarray:
    """Box-side logits putting nearly all weight on bin ``d`` for each of the four sides."""
    logits = np.full((4, REG_MAX + 1), -30.0)
    for side, d in enumerate(distances):
        logits[side, d] = 30.0
    return logits.reshape(-1)


def _nanodet_outputs(size: int = 64) -> tuple[list[np.ndarray], list[np.ndarray]]:
    scores, dists = [], []
    for stride in (8, 16, 32):
        side = size // stride
        scores.append(np.zeros((side * side, 80)))
        dists.append(np.zeros((side * side, 4 * (REG_MAX + 1))))
    return scores, dists


def test_nanodet_box_is_the_expected_distance_around_the_cell_centre() -> None:
    scores, dists = _nanodet_outputs()
    cell = 2 * 8 + 3  # stride 8, 8 cells a row: row 2, column 3 -> centre (28, 20)
    scores[0][cell, 0] = 0.9
    dists[0][cell] = _peaked([1, 2, 3, 4])
    boxes, kept = nanodet_person_boxes(scores, dists, input_size=64)
    assert kept.tolist() == [pytest.approx(0.9)]
    np.testing.assert_allclose(boxes[0], [28 - 8, 20 - 16, 28 + 24, 20 + 32], atol=1e-6)


def test_nanodet_keeps_only_people_above_the_threshold_and_suppresses_duplicates() -> None:
    scores, dists = _nanodet_outputs()
    scores[0][0, 1] = 0.99  # a confident non-person class: ignored
    scores[0][10, 0] = 0.1  # a person under the threshold: dropped
    for cell, score in ((19, 0.8), (20, 0.7)):  # neighbouring cells, same big box: one kept
        scores[0][cell, 0] = score
        dists[0][cell] = _peaked([5, 5, 5, 5])
    boxes, kept = nanodet_person_boxes(scores, dists, input_size=64, threshold=0.15)
    assert kept.tolist() == [pytest.approx(0.8)]
    assert boxes.shape == (1, 4)


def test_nanodet_with_nobody_returns_empty_arrays() -> None:
    boxes, kept = nanodet_person_boxes(*_nanodet_outputs(), input_size=64)
    assert boxes.shape == (0, 4) and kept.shape == (0,)


def test_centernet_keeps_person_rows_above_the_threshold() -> None:
    rows = [[10, 20, 30, 60, 0.8, 0], [1, 1, 5, 5, 0.9, 2], [40, 40, 50, 80, 0.1, 0]]
    boxes, scores = centernet_person_boxes(rows, threshold=0.15)
    assert boxes.tolist() == [[10, 20, 30, 60]] and scores.tolist() == [0.8]


def test_boxes_scale_back_to_the_image() -> None:
    np.testing.assert_allclose(to_image(np.array([[0, 0, 512, 256]]), 512, 1280, 720), [[0, 0, 1280, 360]])


def test_pooled_counts_add_up_per_model_and_ssdlite_once() -> None:
    def run(model: str, tp: int) -> dict[str, object]:
        counts = {"tp": tp, "fp": 1, "fn": 2}
        ssd = {"tp": 5, "fp": 5, "fn": 0}
        row = {"threshold": 0.1, "candidate": counts, "ssdlite_threshold": 0.4, "ssdlite_auto": ssd}
        return {"model": model, "by_threshold": [row]}

    rows = pool([run("a", 3), run("a", 1), run("b", 9)])
    by_model = {r["model"]: r for r in rows}
    assert (by_model["a"]["tp"], by_model["a"]["fp"], by_model["a"]["fn"]) == (4, 2, 4)
    assert by_model["b"]["tp"] == 9
    assert (by_model["ssdlite_auto"]["tp"], by_model["ssdlite_auto"]["precision"]) == (10, 0.5)
    assert (by_model["a"]["threshold"], by_model["ssdlite_auto"]["threshold"]) == (0.1, 0.4)


def test_movenet_rows_become_pixel_boxes_above_the_threshold() -> None:
    rows = np.array([[0.1, 0.2, 0.5, 0.4, 0.3], [0.0, 0.0, 1.0, 1.0, 0.01]])  # ymin, xmin, ymax, xmax, score
    boxes, scores = movenet_person_boxes(rows, width=200, height=100, threshold=0.02)
    np.testing.assert_allclose(boxes, [[40, 10, 80, 50]])
    assert scores.tolist() == [0.3]
