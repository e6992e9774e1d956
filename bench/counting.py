"""Counting accuracy on synthetic scenes with exact ground truth (issue 3, item 7: synthetic part).

Each scene runs through the tracker and line counter with detector-like noise (jitter, misses, false
alarms, low scores under occlusion) at three noise levels and five seeds, and once through the real
video path (rendered .avi, OpenCV decode, colour-blob detector). Prints a table and writes
bench/results/counting.json. Usage: python -m bench.counting
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import machine, write_result
from bench.vision.render import BlobDetector, write_video
from bench.vision.scenes import ALL_SCENES, Noise, Scene, busy_hall, noisy_detections
from services.queue.vision.adapters.capture import VideoSource
from services.queue.vision.analysis import FrameAnalyzer, tracker_params
from services.queue.vision.config import CameraConfig
from services.queue.vision.domain.pipeline import CountingPipeline

LEVELS = {"clean": Noise(0.5, 0.0, 0.0), "typical": Noise(2.0, 0.05, 0.05), "hard": Noise(4.0, 0.15, 0.2)}


def run(scene: Scene, noise: Noise) -> tuple[int, int, int]:
    camera = CameraConfig.model_validate(scene.camera_yaml())
    pipeline = CountingPipeline(camera.geometry(), tracker_params(0.3, scene.fps))
    ids: set[int] = set()
    for _, t in scene.times():
        result = pipeline.step(noisy_detections(scene, t, noise), t)
        ids |= {p.track_id for p in result.people}
    return result.entered, result.exited, len(ids)


def video_path(scene: Scene) -> tuple[int, int]:
    with tempfile.TemporaryDirectory() as folder:
        video = write_video(scene, Path(folder) / "scene.avi")
        analyzer = FrameAnalyzer(CameraConfig.model_validate(scene.camera_yaml()), BlobDetector(),
                                 params=tracker_params(0.3, scene.fps))
        for frame in VideoSource(str(video), None).frames():
            if frame.image is not None:
                result = analyzer.analyze(frame.image, frame.t)
    return result.entered, result.exited


def main() -> None:
    rows: list[dict[str, Any]] = []
    scenes = [make() for make in ALL_SCENES] + [busy_hall(seed=11, people=60, duration_s=120)]
    started = time.perf_counter()
    print(f"{'scene':<22}{'noise':<9}{'truth in/out':>13}{'counted (5 seeds)':>32}{'line err %':>11}{'ids/walkers':>13}")
    for scene in scenes:
        for level, base in LEVELS.items():
            counted = []
            for seed in range(5):
                noise = Noise(base.jitter_px, base.miss_rate, base.false_alarms_per_frame, seed=seed)
                counted.append(run(scene, noise))
            truth = scene.expected_entered + scene.expected_exited
            err = sum(abs(e - scene.expected_entered) + abs(x - scene.expected_exited) for e, x, _ in counted)
            err_pct = 100 * err / (5 * truth) if truth else 0.0
            ids = sum(i for *_, i in counted) / 5
            rows.append({"scene": scene.name, "noise": level, "expected": [scene.expected_entered, scene.expected_exited],
                         "counted": [[e, x] for e, x, _ in counted], "line_error_pct": round(err_pct, 2),
                         "ids_per_walker": round(ids / len(scene.walkers), 2)})
            shown = " ".join(f"{e}/{x}" for e, x, _ in counted)
            print(f"{scene.name:<22}{level:<9}{scene.expected_entered:>6}/{scene.expected_exited:<6}{shown:>32}"
                  f"{err_pct:>11.1f}{ids / len(scene.walkers):>13.2f}")
    video_rows = []
    for scene in scenes[:2]:
        entered, exited = video_path(scene)
        video_rows.append({"scene": scene.name, "expected": [scene.expected_entered, scene.expected_exited],
                           "counted": [entered, exited]})
        print(f"video path  {scene.name:<22} truth {scene.expected_entered}/{scene.expected_exited}  counted {entered}/{exited}")
    path = write_result("counting", {"machine": machine(), "rows": rows, "video_path": video_rows,
                                            "seconds": round(time.perf_counter() - started, 1)})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
