"""Analysis speed per core: SSDLite on every frame vs with MOG2 motion gating, at 640x360 and 1280x720,
and at 1280x720 with the detector on tiles (``detector_tiles: auto``: 2 side-by-side tiles at 16:9).

Frames are a rendered hall scene (``busy_hall``: people walking in and out, long quiet stretches),
scaled to each size; detector cost does not depend on what is in the frame, gating does. One OpenCV
thread, so the numbers are per core. Cameras per 2-core machine at 5 fps = 2 cores x 1000 ms /
(ms per analysed frame x 5), an upper bound (decoding and the service itself also need CPU).
Usage: python -m bench.vision_fps [--frames 150] [--result vision_fps]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import cv2

from bench.common import machine, median, write_result
from bench.vision.render import background, render_frame
from bench.vision.scenes import busy_hall
from services.queue.vision.adapters.detectors import Detector, SsdLiteDetector, TiledDetector
from services.queue.vision.adapters.motion import MotionGate
from services.queue.vision.domain.camera_config import default_camera
from services.queue.vision.domain.tiling import tile_count
from services.queue.vision.settings import VisionSettings
from services.queue.vision.usecases.analysis import FrameAnalyzer, tracker_params

TARGET_FPS = 5.0


def frames(size: tuple[int, int], count: int) -> list[Any]:
    scene = busy_hall(seed=5, people=12, duration_s=count / TARGET_FPS)
    base = background(scene.width, scene.height)
    out = []
    for i in range(count):
        image = render_frame(scene, i / TARGET_FPS, base)
        out.append(image if size == (640, 360) else cv2.resize(image, size))
    return out


def measure(images: list[Any], gating: bool, detector: Detector) -> dict[str, float]:
    h, w = images[0].shape[:2]
    gate = MotionGate() if gating else None
    analyzer = FrameAnalyzer(default_camera(w, h), detector, gate=gate, params=tracker_params(0.3, TARGET_FPS))
    times = []
    for i, image in enumerate(images):
        started = time.perf_counter()
        analyzer.analyze(image, i / TARGET_FPS)
        times.append((time.perf_counter() - started) * 1000)
    mean_ms = sum(times) / len(times)
    return {
        "mean_ms": round(mean_ms, 1),
        "median_ms": round(median(times), 1),
        "fps_per_core": round(1000 / mean_ms, 1),
        "detector_share": round(analyzer.detector_runs / len(images), 2),
        "cameras_2core_at_5fps": round(2 * 1000 / (mean_ms * TARGET_FPS), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=150)
    parser.add_argument("--result", default="vision_fps", metavar="NAME", help="write bench/results/NAME.json")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    detector = SsdLiteDetector(VisionSettings().ssd_text_graph)
    rows = []
    print(
        f"{'size':<11}{'tiles':<10}{'gating':<8}{'mean ms':>9}{'median ms':>11}{'fps/core':>10}"
        f"{'detector runs':>15}{'cams@5fps/2 cores':>19}"
    )
    tiled = TiledDetector(detector, "auto")
    for size, tiles in (((640, 360), 1), ((1280, 720), 1), ((1280, 720), "auto")):
        images = frames(size, args.frames)
        used = tile_count(size[0], size[1], tiles)
        for gating in (False, True):
            r = measure(images, gating, detector if tiles == 1 else tiled)
            rows.append({"size": f"{size[0]}x{size[1]}", "tiles": tiles, "tiles_used": used, "gating": gating, **r})
            shown = f"{tiles}" if tiles == 1 else f"{tiles} ({used})"
            print(
                f"{f'{size[0]}x{size[1]}':<11}{shown:<10}{'on' if gating else 'off':<8}"
                f"{r['mean_ms']:>9}{r['median_ms']:>11}"
                f"{r['fps_per_core']:>10}{r['detector_share']:>15}{r['cameras_2core_at_5fps']:>19}"
            )
    path = write_result(
        args.result,
        {
            "machine": machine(),
            "frames": args.frames,
            "target_fps": TARGET_FPS,
            "input_size": detector.input_size,
            "rows": rows,
        },
    )
    print(f"machine: {machine()}")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
