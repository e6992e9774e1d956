"""Motion-region crops: padding, squaring, frame-edge clipping, merging, the whole-frame fallback, boxes back in
frame pixels (pure), and the crop detector on synthetic frames (a bright block moving on a still background)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from services.queue.vision.adapters.crop_detector import MotionCropDetector
from services.queue.vision.adapters.detector_factory import build_detector
from services.queue.vision.adapters.detectors import Image, ModelUnavailable, SsdLiteDetector, TiledDetector
from services.queue.vision.adapters.motion import MotionRegions
from services.queue.vision.domain.camera_config import DetectorKind
from services.queue.vision.domain.geometry import Box
from services.queue.vision.domain.motion_crops import (
    FULL_FRAME_SHARE,
    MAX_CROPS,
    MIN_PAD,
    MIN_SIDE,
    PAD,
    Crop,
    merge_crops,
    motion_crops,
    padded_crop,
    to_frame,
)
from services.queue.vision.domain.tracker import Detection
from services.queue.vision.settings import VisionSettings

W, H = 640, 360


def contains(crop: Crop, region: tuple[float, float, float, float]) -> bool:
    x1, y1, x2, y2 = region
    return crop.x0 <= x1 and crop.y0 <= y1 and crop.x1 >= x2 and crop.y1 >= y2


def inside_frame(crop: Crop) -> bool:
    return 0 <= crop.x0 < crop.x1 <= W and 0 <= crop.y0 < crop.y1 <= H


def test_a_small_region_becomes_a_padded_square_of_the_minimum_side_centred_on_it() -> None:
    crop = padded_crop((300, 150, 310, 170), W, H)
    assert crop is not None
    side = MIN_SIDE * H
    assert crop.width == pytest.approx(side, abs=1) and crop.height == pytest.approx(side, abs=1)
    assert contains(crop, (300 - MIN_PAD * H, 150 - MIN_PAD * H, 310 + MIN_PAD * H, 170 + MIN_PAD * H))
    assert (crop.x0 + crop.x1) / 2 == pytest.approx(305, abs=1) and (crop.y0 + crop.y1) / 2 == pytest.approx(160, abs=1)


def test_a_tall_region_is_padded_by_its_longer_side_and_squared() -> None:
    crop = padded_crop((300, 100, 330, 200), W, H)  # a person: 30 x 100
    assert crop is not None
    pad = PAD * 100
    assert crop.height == pytest.approx(100 + 2 * pad, abs=1)
    assert crop.width == crop.height  # square: the detector squeezes its input to a square
    assert contains(crop, (300 - pad, 100 - pad, 330 + pad, 200 + pad))


@pytest.mark.parametrize(
    "region",
    [(0, 0, 20, 30), (620, 330, 640, 360), (-50, 100, 15, 200), (600, -20, 700, 40), (0, 0, 640, 360)],
)
def test_crops_at_the_frame_edge_are_shifted_inside_and_keep_the_region(
    region: tuple[float, float, float, float],
) -> None:
    crop = padded_crop(region, W, H)
    assert crop is not None and inside_frame(crop)
    clipped = (max(0, region[0]), max(0, region[1]), min(W, region[2]), min(H, region[3]))
    assert contains(crop, clipped)
    side = max(MIN_SIDE * H, 2 * MIN_PAD * H)
    assert crop.width >= min(W, side) - 1 and crop.height >= min(H, side) - 1  # shifted, not cut short


@pytest.mark.parametrize("region", [(10, 10, 10, 50), (30, 40, 20, 60), (700, 10, 760, 50), (-40, -40, -1, -1)])
def test_empty_regions_and_regions_outside_the_frame_give_no_crop(region: tuple[float, float, float, float]) -> None:
    assert padded_crop(region, W, H) is None


def test_overlapping_crops_merge_transitively_and_disjoint_ones_stay_apart() -> None:
    a, b, c = Crop(0, 0, 100, 100), Crop(90, 0, 200, 100), Crop(190, 50, 260, 150)  # a-b and b-c overlap
    far = Crop(400, 200, 500, 300)
    assert merge_crops([far, a, b, c]) == [Crop(0, 0, 260, 150), far]
    touching = [Crop(0, 0, 100, 100), Crop(100, 0, 200, 100)]  # share an edge, no pixel
    assert merge_crops(touching) == touching


def test_no_regions_means_no_crops() -> None:
    assert motion_crops([], W, H) == []
    assert motion_crops([(5, 5, 5, 5)], W, H) == []


def test_two_people_apart_get_two_crops_and_near_ones_one() -> None:
    apart = motion_crops([(40, 100, 50, 130), (580, 120, 590, 150)], W, H)  # two small, far apart
    assert len(apart) == 2 and all(inside_frame(c) for c in apart)
    near = motion_crops([(300, 100, 330, 200), (340, 110, 370, 210)], W, H)
    assert len(near) == 1 and contains(near[0], (300, 100, 370, 210))


def test_too_many_or_too_large_crops_fall_back_to_the_whole_frame() -> None:
    many = [(20 + 150 * i, 20 + 250 * (i % 2), 30 + 150 * i, 40 + 250 * (i % 2)) for i in range(MAX_CROPS + 1)]
    separate = merge_crops([c for c in (padded_crop(r, W, H) for r in many) if c is not None])
    assert len(separate) > MAX_CROPS  # the fallback, not a merge, makes it one
    assert motion_crops(many, W, H) == [Crop(0, 0, W, H)]
    big = [(0, 0, 0.9 * W, 0.9 * H)]
    assert padded_crop(big[0], W, H) is not None
    assert motion_crops(big, W, H) == [Crop(0, 0, W, H)]
    assert FULL_FRAME_SHARE < 1


def test_boxes_in_a_crop_are_shifted_back_to_frame_pixels() -> None:
    crop = Crop(120, 40, 320, 240)
    out = to_frame(np.array([[0.0, 0.0, 10.0, 20.0], [5.5, 6.5, 200.0, 200.0]]), crop)
    assert out.tolist() == [[120.0, 40.0, 130.0, 60.0], [125.5, 46.5, 320.0, 240.0]]
    assert to_frame(np.zeros((0, 4)), crop).shape == (0, 4)


def test_frame_size_must_be_positive() -> None:
    with pytest.raises(ValueError):
        motion_crops([(0, 0, 1, 1)], 0, H)


# --- the adapter ----------------------------------------------------------------------------------------------


class BrightBlockDetector:
    """Finds the bright (> 200) pixels of the image it is given and reports their bounding box, in that
    image's own pixels; records each image's shape."""

    name = "fake"

    def __init__(self) -> None:
        self.calls: list[tuple[int, ...]] = []

    def detect(self, image: Image) -> list[Detection]:
        self.calls.append(image.shape)
        ys, xs = np.nonzero(image[:, :, 0] > 200)
        if xs.size == 0:
            return []
        return [Detection(Box(float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1)), 0.9)]


def frame_with_block(x: int | None) -> Any:
    image = np.full((H, W, 3), 90, dtype=np.uint8)
    if x is not None:
        image[150:270, x : x + 40] = 230
    return image


def test_the_crop_detector_skips_still_frames_and_finds_the_moving_block_in_frame_pixels() -> None:
    inner = BrightBlockDetector()
    detector = MotionCropDetector(inner, MotionRegions())
    detector.detect(frame_with_block(None))  # the first frame: all foreground for a new background model
    inner.calls.clear()
    for _ in range(5):
        assert detector.detect(frame_with_block(None)) == []
    assert inner.calls == []  # no moving region: the detector is not run
    for step in range(4):
        x = 100 + 20 * step
        found = detector.detect(frame_with_block(x))
        assert len(found) == 1
        assert found[0].box == Box(float(x), 150.0, float(x + 40), 270.0)  # mapped back from the crop
        assert len(detector.last_crops) == 1
        crop = detector.last_crops[0]
        assert inner.calls[-1][:2] == (crop.height, crop.width) and crop.width < W  # a crop, not the frame
    assert len(inner.calls) == 4


def test_the_crop_detector_maps_each_crops_boxes_back_to_that_crops_corner() -> None:
    class Twice:
        name = "twice"

        def detect(self, image: Image) -> list[Detection]:
            return [Detection(Box(0.0, 0.0, 10.0, 10.0), 0.8)]

    class TwoRegions(MotionRegions):
        def regions(self, image: Image) -> list[tuple[float, float, float, float]]:
            return [(10, 10, 20, 20), (600, 300, 610, 310)]

    detector = MotionCropDetector(Twice(), TwoRegions())
    found = detector.detect(frame_with_block(None))
    assert len(detector.last_crops) == 2
    assert sorted((d.box.x1, d.box.y1) for d in found) == sorted(
        (float(c.x0), float(c.y0)) for c in detector.last_crops
    )


def test_the_factory_wraps_the_detector_in_crops_only_when_the_setting_says_so() -> None:
    try:
        plain = build_detector(VisionSettings(detector=DetectorKind.SSDLITE), tiles=2)
    except ModelUnavailable as exc:
        pytest.skip(f"SSDLite model not installed: {exc}")
    assert isinstance(plain, TiledDetector)
    crops = build_detector(VisionSettings(detector=DetectorKind.SSDLITE, motion_crops=True), tiles=2)
    assert isinstance(crops, MotionCropDetector) and isinstance(crops.inner, SsdLiteDetector)
    assert crops.detect(np.full((H, W, 3), 90, dtype=np.uint8)) == []  # first frame: whole frame, nobody there
