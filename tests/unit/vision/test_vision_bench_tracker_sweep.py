"""bench/tracker_sweep.py: every combination of start floor, low score and coasting runs the counting bench's
analysis on cached detections; the rule picks the most recall + IDF1 among the combinations precise enough and
no worse on the line."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest

import bench.counting as bc
import bench.tracker_sweep as sweep
from bench.vision.mot_metrics import SeqInfo
from tests.unit.vision.mot_folders import write_walker

FRAMES = 16
FAINT = {6, 7, 8}  # frames the detector saw the walker at a low score only


def _sequence(folder: Path) -> SeqInfo:
    """One person walking right across the middle, 10 px a frame; no images (the cache stands in for them)."""
    return write_walker(folder, FRAMES, (320, 180), lambda f: (70 + 10 * f, 60, 20, 60))


def _cache(cache: Path, info: SeqInfo) -> None:
    rows, bounds = [], [0]
    for f in range(1, FRAMES + 1):
        x = 70.0 + 10 * f
        rows.append([x, 60.0, x + 20, 120.0, 0.45 if f in FAINT else 0.9])
        bounds.append(len(rows))
    cache.mkdir()
    np.savez(
        bc.cache_path(cache, info, 300, 0.3),
        rows=np.array(rows),
        bounds=np.array(bounds),
        meta=np.array(bc.cache_meta(info, 300, 0.3, 1), dtype=np.float64),
    )


@pytest.fixture
def walk(tmp_path: Path) -> tuple[SeqInfo, Path]:
    info = _sequence(tmp_path / "FAINT")
    _cache(tmp_path / "cache", info)
    return info, tmp_path / "cache"


def test_low_boxes_keep_the_walker_only_when_the_low_score_takes_them(walk: tuple[SeqInfo, Path]) -> None:
    info, cache = walk
    kept = sweep.evaluate([info], (300, 0.3, 1), ["v"], cache, high=0.5, low=0.4, coast=0.1)
    dropped = sweep.evaluate([info], (300, 0.3, 1), ["v"], cache, high=0.5, low=0.5, coast=0.1)
    assert kept["tracker_params"]["low_score"] == 0.4 and dropped["tracker_params"]["low_score"] == 0.5
    assert kept["recall"] > dropped["recall"]
    assert (kept["line_misses"], kept["line_crossings"]) == (0, 1)  # walks right across v: one crossing
    faint_start = sweep.evaluate([info], (300, 0.3, 1), ["v"], cache, high=0.4, low=0.4, coast=0.1)
    assert faint_start["tracker_params"]["new_track_score"] == 0.4


def test_the_rule_needs_precision_and_the_line_then_takes_recall_plus_idf1() -> None:
    def row(p: float, r: float, idf1: float, misses: int) -> dict[str, object]:
        return {"precision": p, "recall": r, "idf1": idf1, "line_misses": misses}

    rows = [row(0.95, 0.70, 0.60, 1), row(0.92, 0.75, 0.66, 2), row(0.89, 0.90, 0.90, 0), row(0.93, 0.80, 0.70, 3)]
    assert sweep.choose(rows, 0.91, 2) is rows[1]
    assert sweep.choose(rows, 0.91, None) is rows[3]
    assert sweep.choose(rows, 0.99, None) is None


def test_main_sweeps_every_combination_and_writes_the_choice(
    walk: tuple[SeqInfo, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    info, cache = walk
    monkeypatch.setattr("bench.common.RESULTS", tmp_path / "results")
    argv = ["--mot", str(info.folder), "--detector", "300:0.3:1", "--detections-cache", str(cache)]
    argv += ["--line", "v", "--high", "0.5,0.6", "--low", "0.4,0.5", "--coast", "0.1,0.3", "--result", "sweep"]
    assert sweep.main(argv) == 0
    out = json.loads((tmp_path / "results" / "sweep.json").read_text(encoding="utf-8"))
    assert len(out["rows"]) == 8 and out["sequences"] == ["FAINT"]
    best = max(r["recall"] + r["idf1"] for r in out["rows"] if r["precision"] >= 0.9)
    assert out["chosen"]["recall"] + out["chosen"]["idf1"] == best


@pytest.mark.parametrize(
    "bad",
    [
        ["--high", "0.5", "--low", "1.2"],
        ["--high", "x", "--low", "0.4"],
        ["--high", "0.5", "--low", "0.4", "--coast", "0"],
    ],
)
def test_bad_grids_are_refused(bad: list[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        sweep.parse_args(["--mot", str(tmp_path), "--detections-cache", str(tmp_path), *bad])


def test_grid_values() -> None:
    assert sweep.grid("0.4, 0.5") == [0.4, 0.5]
    with pytest.raises(argparse.ArgumentTypeError):
        sweep.grid(",")
