"""bench/counting.py ``--zoom``: a zoomed run reads the frames even with the detections cache, its runs are
labelled apart (pooled apart) and report the zoom's detector runs; the speed table labels zoom settings; face
assist the same way."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import bench.counting as bc
from bench.vision.mot_metrics import SeqInfo
from services.queue.vision.adapters.detectors import Image
from services.queue.vision.domain.geometry import Box
from services.queue.vision.domain.tracker import Detection
from tests.unit.vision.mot_folders import write_walker

BLIND = {5, 6, 7}  # frames the cached whole-frame detector missed


def _sequence(folder: Path, frames: int) -> SeqInfo:
    """One person walking right, 8 px a frame, 60 px tall, drawn white on black (frames on disk)."""
    return write_walker(folder, frames, (320, 180), lambda f: (40 + 8 * f, 60, 20, 60), images=True)


def _cache(cache: Path, info: SeqInfo) -> None:
    rows, bounds = [], [0]
    for f in range(1, info.length + 1):
        if f not in BLIND:
            x = 40.0 + 8 * f
            rows.append([x, 60.0, x + 20, 120.0, 0.9])
        bounds.append(len(rows))
    cache.mkdir(exist_ok=True)
    np.savez(
        bc.cache_path(cache, info, 300, 0.2),
        rows=np.array(rows),
        bounds=np.array(bounds),
        meta=np.array(bc.cache_meta(info, 300, 0.2, 1), dtype=np.float64),
    )


class BlobDetector:
    name = "blob"

    def detect(self, image: Image) -> list[Detection]:
        ys, xs = np.nonzero(image[:, :, 0] > 128)
        if not len(xs):
            return []
        return [Detection(Box(float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1)), 0.9)]


def test_a_zoomed_run_finds_the_frames_the_cache_missed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    info = _sequence(tmp_path / "WALK", 12)
    _cache(tmp_path / "cache", info)
    monkeypatch.setattr(bc, "make_detector", lambda *a, **k: BlobDetector())  # the zoom's model (the cache: the rest)
    plain = bc.run_sequence(info, ["v"], 300, 0.3, None, False, tmp_path / "cache", 1, 0.2)
    zoomed = bc.run_sequence(info, ["v"], 300, 0.3, None, False, tmp_path / "cache", 1, 0.2, zoom=2)
    assert (plain["tracker"], plain["zoom"]) == ("two-stage", None)
    assert zoomed["tracker"] == "two-stage+z2"
    assert zoomed["zoom"]["runs"] == len(BLIND)  # one window per blind frame, none where the cache saw him
    assert zoomed["tracks"]["recall"] > plain["tracks"]["recall"]
    assert zoomed["tracks"]["idsw"] == 0
    pooled = bc.pool_tracking([plain, zoomed])
    assert [row["tracker"] for row in pooled] == ["two-stage", "two-stage+z2"]
    vis = pooled[0]["tracks"]["by_visibility"]  # the walker is fully visible in every row
    assert (vis["visible_gt"], vis["hidden_gt"], vis["visible_tp"]) == (12, 0, plain["tracks"]["tp"])


def test_pooled_recall_by_visibility_adds_the_annotated_sequences_only() -> None:
    def run(name: str, vis: dict[str, int] | None) -> dict[str, object]:
        part = {"tp": 1, "fp": 0, "fn": 1, "gt": 2, "idsw": 0, "idtp": 1, "idfp": 0, "idfn": 1, "by_visibility": vis}
        setting = {"input_size": 384, "score_threshold": 0.3, "tiles": "auto"}
        return {
            "sequence": name,
            "tracker": "two-stage",
            "detector": setting,
            "analysis_fps_requested": None,
            "analysed_frames": 1,
            "detections": dict(part),
            "tracks": dict(part),
        }

    a = run("A", {"visible_gt": 3, "visible_tp": 3, "hidden_gt": 1, "hidden_tp": 0, "visible_recall": 1.0})
    b = run("B", {"visible_gt": 1, "visible_tp": 0, "hidden_gt": 3, "hidden_tp": 1, "hidden_recall": 0.3333})
    (pooled,) = bc.pool_tracking([a, b, run("C", None)])
    vis = pooled["tracks"]["by_visibility"]
    assert (vis["visible_gt"], vis["visible_tp"], vis["visible_recall"]) == (4, 3, 0.75)
    assert (vis["hidden_gt"], vis["hidden_tp"], vis["hidden_recall"]) == (4, 1, 0.25)
    assert pooled["tracks"]["recall"] == 0.5  # all people of all three sequences, as before


def test_zoom_labels() -> None:
    assert bc.zoom_label((300, 0.3, "auto"), 0) == "300:0.3:auto"
    assert bc.zoom_label((300, 0.3, "auto"), 2) == "300:0.3:auto+z2"


def test_the_zoom_option_repeats() -> None:
    args = bc.parse_args(["--skip-synthetic", "--zoom", "0", "--zoom", "2"])
    assert args.zoom == [0, 2]


@pytest.mark.parametrize("bad", ["-1", "9", "x"])
def test_a_bad_zoom_is_refused(bad: str) -> None:
    with pytest.raises(SystemExit):
        bc.parse_args(["--zoom", bad])


def test_face_assist_option_and_label() -> None:
    args = bc.parse_args(["--skip-synthetic", "--face-assist", "off", "--face-assist", "on"])
    assert args.face_assist == [False, True]
    assert bc.zoom_label((300, 0.3, "grid2"), 2, True) == "300:0.3:grid2+z2+face"
    with pytest.raises(SystemExit):
        bc.parse_args(["--face-assist", "maybe"])


def test_a_face_assisted_run_reads_the_frames_and_is_labelled(tmp_path: Path) -> None:
    info = _sequence(tmp_path / "WALK", 6)
    _cache(tmp_path / "cache", info)
    run = bc.run_sequence(info, ["v"], 300, 0.3, None, False, tmp_path / "cache", 1, 0.2, face=True)
    assert (run["tracker"], run["face_assist"]) == ("two-stage+face", True)
    assert run["detector"]["runs"] == 6
