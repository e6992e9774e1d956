"""People from a centre heat map (MoveNet's box heads): peaks, their boxes and scores."""

from __future__ import annotations

import numpy as np
import pytest

from services.queue.vision.domain.centre_boxes import centre_boxes, centre_peaks


def test_centre_peaks_are_local_maxima_above_the_threshold_best_first() -> None:
    heat = np.zeros((6, 6))
    heat[1, 1], heat[1, 2] = 0.9, 0.8  # 0.8 is next to a higher cell: not a peak
    heat[4, 4] = 0.6
    heat[0, 5] = 0.04  # a peak under the threshold
    ys, xs = centre_peaks(heat, max_people=5, threshold=0.05)
    assert list(zip(ys.tolist(), xs.tolist(), strict=True)) == [(1, 1), (4, 4)]
    ys, _ = centre_peaks(heat, max_people=1, threshold=0.05)
    assert ys.tolist() == [1]


def test_peaks_on_the_border_count_and_a_flat_map_has_none_above_threshold() -> None:
    heat = np.zeros((4, 4))
    heat[0, 0] = 0.7
    ys, xs = centre_peaks(heat, max_people=20, threshold=0.1)
    assert (ys.tolist(), xs.tolist()) == ([0], [0])
    ys, _ = centre_peaks(np.full((4, 4), 0.01), max_people=20, threshold=0.1)
    assert ys.size == 0


def test_more_than_six_people_are_kept_up_to_max_people() -> None:
    heat = np.zeros((16, 16))
    for k in range(8):
        heat[2 * k, 2 * k] = 0.5 + k / 100
    ys, _ = centre_peaks(heat, max_people=20, threshold=0.1)
    assert len(ys) == 8 and ys.tolist()[0] == 14  # the strongest first
    assert len(centre_peaks(heat, max_people=3, threshold=0.1)[0]) == 3


def test_a_heat_map_that_is_not_2d_is_refused() -> None:
    with pytest.raises(ValueError, match="2-D"):
        centre_peaks(np.zeros((2, 2, 2)), max_people=1, threshold=0.1)


def test_box_is_the_offset_centre_and_the_size_in_grid_cells() -> None:
    grid = 8
    logits = np.full((grid, grid), -10.0)
    logits[2, 4] = 2.0
    size = np.zeros((grid, grid, 2))
    size[2, 4] = (4.0, 2.0)  # height, width in cells
    offset = np.zeros((grid, grid, 2))
    offset[2, 4] = (0.5, -0.25)  # dy, dx in cells
    boxes, scores = centre_boxes(logits, size, offset, max_people=20, threshold=0.5)
    cy, cx = 2.5 / grid, 3.75 / grid
    np.testing.assert_allclose(boxes, [[cx - 1 / grid, cy - 2 / grid, cx + 1 / grid, cy + 2 / grid]])
    assert scores.tolist() == [pytest.approx(1 / (1 + np.exp(-2.0)))]


def test_nobody_gives_empty_arrays_of_the_right_shape() -> None:
    boxes, scores = centre_boxes(np.full((4, 4), -10.0), np.zeros((4, 4, 2)), np.zeros((4, 4, 2)))
    assert boxes.shape == (0, 4) and scores.shape == (0,)
