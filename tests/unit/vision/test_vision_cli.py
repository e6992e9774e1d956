"""``branchops count`` on a rendered synthetic video: one record per frame listing the confirmed tracks (the
counter's view), with coasting tracks flagged, and exact line counts through detector gaps and low scores."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from bench.vision.render import BlobDetector, write_video
from bench.vision.scenes import crossing_both_ways
from branchops.cli import main as branchops_main
from services.queue.vision.adapters import detector_factory
from services.queue.vision.adapters.detectors import Image
from services.queue.vision.domain.tracker import Detection
from services.queue.vision.settings import VisionSettings
from services.queue.vision.usecases import analysis

BLIND = range(30, 32)  # frames where the detector sees nobody (2 frames: the coasting time at 10 fps)
DIM = range(50, 56)  # frames where every box scores 0.2: between the low threshold and the score threshold


class FlakyBlobs:
    """The rendered figures, but blind for a few frames and unsure (score 0.2) for a few others."""

    name = "blobs"

    def __init__(self) -> None:
        self.inner = BlobDetector()
        self.frame = -1

    def detect(self, image: Image) -> list[Detection]:
        self.frame += 1
        if self.frame in BLIND:
            return []
        score = 0.2 if self.frame in DIM else 0.8
        return [Detection(d.box, score) for d in self.inner.detect(image)]


@pytest.fixture
def counted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    scene = crossing_both_ways()
    video = write_video(scene, tmp_path / "crossing.avi")
    camera = tmp_path / "cam.yaml"
    camera.write_text(yaml.safe_dump(scene.camera_yaml()), encoding="utf-8")
    monkeypatch.setattr(detector_factory, "build_detector", lambda *args, **kwargs: FlakyBlobs())
    out = tmp_path / "frames.jsonl"
    args = ["count", str(video), "--camera", str(camera), "--out", str(out), "--low-score", "0.1"]
    assert branchops_main(args) == 0
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def test_count_lists_confirmed_tracks_with_a_coasting_flag(counted: list[dict[str, Any]]) -> None:
    assert len(counted) == 110
    assert set(counted[0]) == {"frame", "people", "entered", "exited", "occupancy"}
    people = [p for record in counted for p in record["people"]]
    assert people and all(set(p) == {"track_id", "box", "score", "coasting"} for p in people)
    assert all(len(p["box"]) == 4 and p["box"][0] < p["box"][2] and p["box"][1] < p["box"][3] for p in people)
    before = {p["track_id"] for p in counted[BLIND.start - 1]["people"]}
    assert before  # someone is walking when the detector goes blind
    for frame in BLIND:  # the same people, at their predicted boxes, flagged, with their last score
        shown = counted[frame]["people"]
        assert {p["track_id"] for p in shown} == before
        assert all(p["coasting"] and p["score"] == 0.8 for p in shown)
    after = counted[BLIND.stop]["people"]
    assert before <= {p["track_id"] for p in after} and not any(p["coasting"] for p in after)


def test_low_scores_extend_tracks_and_counts_stay_exact(counted: list[dict[str, Any]]) -> None:
    dim = [p for frame in DIM for p in counted[frame]["people"] if not p["coasting"]]  # coasting: walked out
    assert dim and all(p["score"] == 0.2 for p in dim)  # matched by the second pass
    known = {p["track_id"] for record in counted[: DIM.start] for p in record["people"]}
    assert {p["track_id"] for p in dim} <= known  # and never a new track from a low score
    assert (counted[-1]["entered"], counted[-1]["exited"]) == (4, 2)
    assert len({p["track_id"] for record in counted for p in record["people"]}) == 6  # one id per walker


@pytest.mark.skipif(
    not VisionSettings().movenet_model.is_file(), reason="MoveNet not fetched (deploy/models/fetch_movenet.sh)"
)
def test_count_runs_with_movenet_chosen_on_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    video = write_video(crossing_both_ways(), tmp_path / "crossing.avi")
    built: list[object] = []
    real = detector_factory.base_detector
    monkeypatch.setattr(detector_factory, "base_detector", lambda *a, **k: built.append(real(*a, **k)) or built[-1])
    out = tmp_path / "frames.jsonl"
    assert branchops_main(["count", str(video), "--detector", "movenet", "--zoom", "1", "--out", str(out)]) == 0
    assert [type(d).__name__ for d in built] == ["MoveNetDetector", "MoveNetDetector"]  # the frame's and the zoom's
    assert len(out.read_text(encoding="utf-8").splitlines()) == 110


def test_count_refuses_an_unknown_detector(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        branchops_main(["count", "video.avi", "--detector", "yolo"])
    assert exit_.value.code == 2 and "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize(("flag", "weight"), [([], 0.7), (["--appearance-weight", "0"], 0.0)])
def test_count_compares_colours_unless_told_not_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flag: list[str], weight: float
) -> None:
    scene = crossing_both_ways()
    video = write_video(scene, tmp_path / "crossing.avi")
    monkeypatch.setattr(detector_factory, "build_detector", lambda *args, **kwargs: FlakyBlobs())
    seen: list[float] = []
    real = analysis.FrameAnalyzer.__init__

    def spy(self: analysis.FrameAnalyzer, *args: Any, **kwargs: Any) -> None:
        real(self, *args, **kwargs)
        seen.append(self.params.appearance_weight)

    monkeypatch.setattr(analysis.FrameAnalyzer, "__init__", spy)
    camera = tmp_path / "cam.yaml"
    camera.write_text(yaml.safe_dump(scene.camera_yaml()), encoding="utf-8")
    out = tmp_path / "frames.jsonl"
    assert branchops_main(["count", str(video), "--camera", str(camera), "--out", str(out), *flag]) == 0
    assert seen == [weight]
    last = json.loads(out.read_text(encoding="utf-8").splitlines()[-1])
    assert (last["entered"], last["exited"]) == (4, 2)


def test_count_refuses_a_colour_share_outside_0_to_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert branchops_main(["count", str(tmp_path / "none.avi"), "--appearance-weight", "1.5"]) == 2
    assert "appearance_weight" in capsys.readouterr().err
