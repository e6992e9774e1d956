"""Detector tiling: tile geometry, boxes back in frame pixels, one box per person across a seam, the config field.

The fake detector knows where its tile sits in the frame because the frame's pixels encode their own
column (blue = x % 256, green = x // 256); it returns the visible part of each known person, clipped to
the tile, as a real detector sees a person cut by the tile's edge.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

from services.queue.vision.adapters.detectors import Image, TiledDetector
from services.queue.vision.domain.camera_config import CameraConfig
from services.queue.vision.domain.geometry import Box, iou_matrix
from services.queue.vision.domain.tiling import OVERLAP, Tile, merge_tiles, tile_count, tile_spans, to_frame
from services.queue.vision.domain.tracker import Detection


def coded_frame(width: int, height: int) -> Image:
    image = np.zeros((height, width, 3), dtype=np.uint8)
    xs = np.arange(width)
    image[:, :, 0] = xs % 256
    image[:, :, 1] = xs // 256
    return image


class FakeDetector:
    """Sees each person in ``people`` (frame pixels) whose visible part in the image is at least
    ``min_visible`` of their width, and reports that part in the image's own pixels."""

    name = "fake"

    def __init__(self, people: list[tuple[float, float, float, float]], min_visible: float = 0.3) -> None:
        self.people = people
        self.min_visible = min_visible
        self.calls: list[tuple[int, int]] = []  # (x0, width) of each image seen

    def detect(self, image: Image) -> list[Detection]:
        x0 = int(image[0, 0, 0]) + 256 * int(image[0, 0, 1])
        width = image.shape[1]
        self.calls.append((x0, width))
        found = []
        for i, (a, top, b, bottom) in enumerate(self.people):
            left, right = max(a, x0), min(b, x0 + width)
            if right - left >= self.min_visible * (b - a):
                found.append(Detection(Box(left - x0, top, right - x0, bottom), 0.9 - 0.01 * i))
        return found


def boxes_of(found: list[Detection]) -> list[list[float]]:
    return sorted(d.box.as_list(1) for d in found)


# --- geometry ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("width", "height", "expected"),
    [
        (640, 480, 1),
        (640, 360, 2),
        (1280, 720, 2),
        (1920, 1080, 2),
        (1224, 370, 3),
        (2560, 720, 4),
        (8000, 500, 4),
        (480, 640, 1),
        (100, 1000, 1),
    ],
)
def test_auto_picks_tiles_from_the_aspect(width: int, height: int, expected: int) -> None:
    assert tile_count(width, height, "auto") == expected


@pytest.mark.parametrize("tiles", [1, 2, 3, 4])
def test_explicit_tiles_are_taken_as_given(tiles: int) -> None:
    assert tile_count(640, 480, tiles) == tiles


@pytest.mark.parametrize("bad", [0, 5, -1, "2", "wide", 1.5, True, None])
def test_tile_count_refuses_nonsense(bad: Any) -> None:
    with pytest.raises(ValueError, match=r"1\.\.4 or 'auto'"):
        tile_count(640, 480, bad)


@pytest.mark.parametrize(("width", "count"), [(1920, 2), (1224, 3), (1280, 2), (2560, 4), (641, 3), (640, 1)])
def test_tiles_cover_the_frame_with_the_overlap(width: int, count: int) -> None:
    tiles = tile_spans(width, count)
    assert len(tiles) == count
    assert tiles[0].x0 == 0 and tiles[-1].x1 == width
    assert not tiles[0].seam_left and not tiles[-1].seam_right
    covered = np.zeros(width, dtype=bool)
    for tile in tiles:
        covered[tile.x0 : tile.x1] = True
    assert covered.all()
    widths = [t.width for t in tiles]
    assert max(widths) - min(widths) <= 1
    for left, right in itertools.pairwise(tiles):
        assert left.seam_right and right.seam_left
        shared = left.x1 - right.x0
        assert abs(shared - OVERLAP * left.width) <= 1  # 15 % of a tile's width, to the pixel


def test_auto_tiles_are_about_square() -> None:
    for width, height in ((1920, 1080), (1280, 720), (1224, 370), (2560, 720)):
        tiles = tile_spans(width, tile_count(width, height, "auto"))
        assert all(0.75 <= t.width / height <= 1.35 for t in tiles), (width, height, tiles)


def test_a_person_narrower_than_the_overlap_is_whole_in_one_tile() -> None:
    tiles = tile_spans(1920, 2)
    overlap = tiles[0].x1 - tiles[1].x0
    for left in range(0, 1920 - overlap + 1, 7):
        right = left + overlap  # as wide as the overlap, anywhere in the frame
        assert any(t.x0 <= left and right <= t.x1 for t in tiles)


def test_geometry_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        tile_spans(100, 0)
    with pytest.raises(ValueError):
        tile_spans(100, 2, overlap=1.0)


# --- mapping back to the frame ----------------------------------------------------------------------


def test_boxes_shift_by_the_tile_origin() -> None:
    tile = Tile(1, 882, 1920, True, False)
    got = to_frame(np.array([[10.0, 20.0, 110.0, 220.0]]), tile)
    assert got.tolist() == [[892.0, 20.0, 992.0, 220.0]]


def test_a_person_inside_one_tile_comes_back_in_frame_pixels() -> None:
    person = (1500.0, 300.0, 1600.0, 700.0)  # only in the right tile of 1920x1080
    fake = FakeDetector([person])
    found = TiledDetector(fake, "auto").detect(coded_frame(1920, 1080))
    assert fake.calls == [(0, 1038), (882, 1038)]
    assert boxes_of(found) == [list(person)]


def test_one_tile_is_the_detector_unchanged() -> None:
    people = [(10.0, 10.0, 60.0, 200.0), (300.0, 50.0, 380.0, 300.0)]
    fake = FakeDetector(people)
    image = coded_frame(640, 480)
    assert boxes_of(TiledDetector(fake, "auto").detect(image)) == boxes_of(FakeDetector(people).detect(image))
    assert fake.calls == [(0, 640)]


# --- merging across a seam ----------------------------------------------------------------------------

SEAM_CASES = [
    # (people in frame pixels) on a 1920x1080 frame: tiles 0..1038 and 882..1920, overlap 882..1038
    pytest.param([(940.0, 300.0, 1040.0, 800.0)], id="on the seam, narrower than the overlap"),
    pytest.param([(900.0, 300.0, 1020.0, 800.0)], id="inside the overlap: seen whole by both"),
    pytest.param([(800.0, 250.0, 1120.0, 900.0)], id="wider than the overlap: two halves fused"),
    pytest.param([(1000.0, 300.0, 1100.0, 800.0)], id="mostly in the right tile"),
    pytest.param([(860.0, 300.0, 960.0, 800.0), (990.0, 320.0, 1090.0, 810.0)], id="two people at the seam"),
    pytest.param(
        [(700.0, 300.0, 800.0, 800.0), (940.0, 300.0, 1040.0, 800.0), (1300.0, 300.0, 1400.0, 800.0)],
        id="three people, one on the seam",
    ),
]


@pytest.mark.parametrize("people", SEAM_CASES)
def test_merge_keeps_one_box_per_person(people: list[tuple[float, float, float, float]]) -> None:
    found = TiledDetector(FakeDetector(people), "auto").detect(coded_frame(1920, 1080))
    assert len(found) == len(people), boxes_of(found)
    got = np.array([d.box.as_list(3) for d in found])
    iou = iou_matrix(np.array(people), got)
    assert (iou.max(axis=1) >= 0.95).all(), (people, got.tolist())  # each person found whole


def test_three_tiles_with_a_person_on_each_seam() -> None:
    tiles = tile_spans(1224, 3)  # KITTI-like 1224x370
    people = [(float(t.x1 - 30), 100.0, float(t.x1 + 10), 300.0) for t in tiles[:-1]]
    found = TiledDetector(FakeDetector(people), "auto").detect(coded_frame(1224, 370))
    assert boxes_of(found) == sorted(list(p) for p in people)


def test_merge_drops_a_cut_box_only_when_the_neighbour_has_the_whole_person() -> None:
    tiles = tile_spans(1920, 2)
    cut = [950.0, 300.0, 1038.0, 800.0]  # left tile, cut by its right seam
    whole = [940.0, 300.0, 1040.0, 800.0]  # right tile, clear of its left seam (882)
    boxes, _ = merge_tiles(np.array([cut, whole]), np.array([0.9, 0.6]), [0, 1], tiles)
    assert boxes.tolist() == [whole]  # the higher-scored but cut box goes
    elsewhere = [1500.0, 300.0, 1600.0, 800.0]  # the neighbour saw someone else
    boxes, _ = merge_tiles(np.array([cut, elsewhere]), np.array([0.9, 0.6]), [0, 1], tiles)
    assert len(boxes) == 2


def test_merge_of_nothing() -> None:
    boxes, scores = merge_tiles(np.zeros((0, 4)), np.zeros(0), [], tile_spans(1920, 2))
    assert boxes.shape == (0, 4) and scores.shape == (0,)


# --- camera config ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [1, 2, 4, "auto"])
def test_config_accepts_tiles(value: int | str) -> None:
    assert CameraConfig(detector_tiles=value).detector_tiles == value


def test_config_default_is_tiles_by_aspect() -> None:
    assert CameraConfig().detector_tiles == "auto"  # the best recall within the CPU budget (bench/counting.py)


@pytest.mark.parametrize("value", [0, 5, -2, "2", "Auto", "wide", 1.5, True, None, [2]])
def test_config_refuses_nonsense_tiles(value: Any) -> None:
    with pytest.raises(ValidationError, match=r"detector_tiles must be an integer 1\.\.4, 'auto', 'grid2' or 'grid3'"):
        CameraConfig(detector_tiles=value)
