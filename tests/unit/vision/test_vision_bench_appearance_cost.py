"""bench/appearance_cost.py: the annotated walker becomes the frame's detection at 640x360, and both ways of
tracking (boxes alone, with colours) are timed on the same frames and written out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import bench.appearance_cost as cost
import bench.common
from tests.unit.vision.mot_folders import write_walker


def _walker(tmp_path: Path) -> Path:
    folder = tmp_path / "WALK"
    write_walker(folder, 6, (1280, 720), lambda f: (100 + 20 * f, 200, 80, 240), images=True)
    return folder


def test_the_annotated_walker_is_scaled_to_640x360(tmp_path: Path) -> None:
    frames = cost.sequence_frames(_walker(tmp_path), 4)
    assert len(frames) == 4
    image, people = frames[0]
    assert image.shape == (360, 640, 3)
    assert [(p.box.x1, p.box.y1, p.box.x2, p.box.y2) for p in people] == [(60.0, 100.0, 100.0, 220.0)]


def test_the_bench_writes_both_timings_per_sequence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench.common, "RESULTS", tmp_path / "results")
    cost.main(["--mot", str(_walker(tmp_path)), "--frames", "5", "--repeat", "1", "--result", "cost"])
    result = json.loads((tmp_path / "results" / "cost.json").read_text(encoding="utf-8"))
    (run,) = result["runs"]
    assert (run["sequence"], run["frames"], run["people_per_frame"]) == ("WALK", 5, 1.0)
    assert run["boxes_only_ms"] >= 0 and run["with_colours_ms"] >= 0
    assert run["extra_ms"] == pytest.approx(run["with_colours_ms"] - run["boxes_only_ms"], abs=0.011)
    assert result["weight"] == 0.7 and result["size"] == [640, 360]
