"""bench/counting.py for elevated (hall) views, issue 20 item 4: a sequence cut to its first frames (ground truth
cut with it, cached under its own name), lines at a share of the frame, the footage's provenance, and the
grid of tiles (``grid2``), now the service's (its tests: test_vision_grid.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pytest

from bench.counting import (
    cache_meta,
    cache_path,
    first_frames,
    frames_to_keep,
    line_points,
    motion_gate,
    parse_first_frames,
    parse_setting,
    run_sequence,
    setting_label,
    source_of,
    tiles_used,
)
from bench.vision.grid_tiles import GridTiledDetector, band_spans, detector_runs, merge_bands
from bench.vision.mot_metrics import SeqInfo
from services.queue.vision.adapters.grid_detector import GridTiledDetector as ServiceGrid
from services.queue.vision.domain import grid as service_grid
from services.queue.vision.settings import VisionSettings
from tests.unit.vision.mot_folders import write_walker

INFO = SeqInfo(name="SEQ", folder=Path("/nowhere"), fps=25.0, length=10, width=1920, height=1080)


def test_a_sequence_cut_to_its_first_frames_is_renamed_and_shorter() -> None:
    cut = first_frames(INFO, 4)
    assert (cut.name, cut.length, cut.fps, cut.width) == ("SEQ-first4", 4, 25.0, 1920)
    assert first_frames(INFO, 10) is INFO and first_frames(INFO, 50) is INFO and first_frames(INFO, None) is INFO
    assert cache_path(Path("/c"), cut, 300, 0.2) != cache_path(Path("/c"), INFO, 300, 0.2)
    assert cache_meta(cut, 300, 0.2, 1)[2] == 4


def test_first_frames_for_every_sequence_or_one_by_name() -> None:
    assert parse_first_frames("50") == (None, 50)
    assert parse_first_frames("MOT16-04=50") == ("MOT16-04", 50)
    specs = [parse_first_frames("300"), parse_first_frames("MOT16-04=50")]
    assert frames_to_keep("MOT16-04", specs) == 50 and frames_to_keep("MOT20-01", specs) == 300
    assert frames_to_keep("MOT20-01", [("MOT16-04", 50)]) is None


@pytest.mark.parametrize("spec", ["0", "x", "MOT16-04=", "MOT16-04=-3", "=0"])
def test_bad_first_frames_are_refused(spec: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        parse_first_frames(spec)


def test_provenance_of_the_elevated_footage_follows_a_cut_sequence() -> None:
    assert "stasysp/markup_tool" in source_of("MOT16-04-first50")
    assert "mpourrez/EDB" in source_of("MOT20-01")
    assert "st235/HSE.DeepLearning" in source_of("TUD-Campus")
    assert source_of("MyHall") == "given with --mot"


def test_lines_at_a_share_of_the_frame() -> None:
    assert line_points("h", 1920, 1080) == line_points("h@0.5", 1920, 1080) == [[0.0, 540.0], [1920.0, 540.0]]
    assert line_points("h@0.75", 1920, 1080) == [[0.0, 810.0], [1920.0, 810.0]]
    assert line_points("v@0.25", 1920, 1080) == [[480.0, 0.0], [480.0, 1080.0]]
    for bad in ("h@1.5", "h@0", "v@x"):
        with pytest.raises(ValueError):
            line_points(bad, 1920, 1080)


def test_the_grid_is_a_layout_of_the_detector_setting() -> None:
    assert parse_setting("300:0.3:grid2") == (300, 0.3, "grid2")
    assert setting_label((300, 0.3, "grid3")) == "300:0.3:grid3"
    assert tiles_used(INFO, "grid2") == "2x:6"  # two bands of 1920x584, three tiles each
    assert detector_runs(1920, 1080, 1) == 2 and detector_runs(640, 360, 2) == 6
    paths = {cache_path(Path("/c"), INFO, 300, 0.2, t) for t in (1, 2, "grid2", "grid3")}
    assert len(paths) == 4
    with pytest.raises(argparse.ArgumentTypeError):
        parse_setting("300:0.3:grid4")


def test_the_bench_grid_is_the_service_grid() -> None:
    assert GridTiledDetector is ServiceGrid and merge_bands is service_grid.merge_bands
    assert band_spans is service_grid.band_spans and detector_runs is service_grid.detector_runs


def _sequence(folder: Path, frames: int) -> SeqInfo:
    """One person walking down the image, 5 px a frame, 40 px tall (feet at 5 f + 40), drawn."""
    return write_walker(folder, frames, (200, 100), lambda f: (90, 5 * f, 20, 40), images=True)


def _cache(cache: Path, info: SeqInfo) -> None:
    """A perfect detector's cached output: the ground-truth box at score 0.9 on every frame."""
    rows = [[90.0, 5.0 * f, 110.0, 5.0 * f + 40, 0.9] for f in range(1, info.length + 1)]
    cache.mkdir(exist_ok=True)
    np.savez(
        cache_path(cache, info, 300, 0.2),
        rows=np.array(rows),
        bounds=np.arange(info.length + 1),
        meta=np.array(cache_meta(info, 300, 0.2, 1), dtype=np.float64),
    )


def test_a_cut_sequence_counts_only_crossings_within_its_frames(tmp_path: Path) -> None:
    whole = _sequence(tmp_path / "WALK", 12)
    line = "0,72,200,72"  # the feet cross it between frames 6 (y 70) and 7 (y 75): after the first 5 frames
    cut = first_frames(whole, 5)
    for info in (whole, cut):
        _cache(tmp_path / "cache", info)
    full = run_sequence(whole, [line], 300, 0.3, None, False, tmp_path / "cache", 1, 0.2)
    early = run_sequence(cut, [line], 300, 0.3, None, False, tmp_path / "cache", 1, 0.2)
    assert full["lines"][0]["gt"] == [1, 0] and full["lines"][0]["ours"] == [1, 0]
    assert early["lines"][0]["gt"] == [0, 0] and early["lines"][0]["ours"] == [0, 0]
    assert (early["sequence"], early["analysed_frames"], early["tracks"]["gt"]) == ("WALK-first5", 5, 5)


def test_the_motion_gate_takes_the_service_default_or_a_given_area() -> None:
    assert motion_gate().min_area == VisionSettings.model_fields["motion_min_area"].default
    assert motion_gate(0.0005).min_area == 0.0005
