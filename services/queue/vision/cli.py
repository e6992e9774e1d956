"""``branchops count VIDEO [--camera cam.yaml] --out frames.jsonl`` (DESIGN.md section 5).

One JSON object per analysed frame: ``{"frame", "people": [{"track_id", "box": [x1, y1, x2, y2],
"score", "coasting"}], "entered", "exited", "occupancy"}``. ``people`` are what the counter follows: the
confirmed tracks, not the raw detections (a one-frame false alarm is not there; a person the detector
missed for a moment is, at the tracker's predicted box with ``"coasting": true`` and the score of its last
matched detection). ``entered``/``exited`` are cumulative over all counting lines, ``occupancy`` maps
each customer zone to its people now, plus ``"frame"``: customers visible in the whole frame. Without
``--camera`` one line across the middle of the frame counts (walking down the image enters). Exit codes:
0 done, 2 bad input (one-line reason on stderr). No frame is written.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any


def _count(args: argparse.Namespace) -> int:
    from services.queue.vision.adapters.camera_files import load_camera_yaml
    from services.queue.vision.adapters.capture import SourceError, VideoSource
    from services.queue.vision.adapters.detector_factory import (
        build_detector,
        build_zoom,
        face_assist_of,
        low_score_of,
        motion_min_area_of,
        tuning_of,
        zoom_windows_of,
    )
    from services.queue.vision.adapters.detectors import ModelUnavailable
    from services.queue.vision.adapters.motion import MotionGate
    from services.queue.vision.domain.camera_config import CameraConfig, CameraView, DetectorKind, default_camera
    from services.queue.vision.settings import VisionSettings
    from services.queue.vision.usecases.analysis import FrameAnalyzer, tracker_params

    try:
        overrides: dict[str, Any] = {"score_threshold": args.score} if args.score is not None else {}
        if args.low_score is not None:
            overrides["detector_low_score"] = args.low_score
        if args.input_size is not None:
            overrides["ssd_input_size"] = args.input_size
        if args.appearance_weight is not None:
            overrides["appearance_weight"] = args.appearance_weight
        if args.onnx_model is not None:
            overrides.update(detector="onnx", onnx_model=args.onnx_model)
        settings = VisionSettings(**overrides)
        camera: CameraConfig | None = load_camera_yaml(Path(args.camera)) if args.camera else None
        source = VideoSource(str(args.video), args.fps, max_pixels=settings.max_frame_pixels)
        source.open()
        tiles = args.tiles if args.tiles is not None else camera.detector_tiles if camera else 1
        kind = DetectorKind(args.detector) if args.detector else camera.detector if camera else None
        camera_low = camera.detector_low_score if camera and args.low_score is None else None
        view = CameraView(args.view) if args.view else camera.view if camera else CameraView.EYE_LEVEL
        low_score = low_score_of(settings, camera_low, kind, view)
        camera_colours = camera.appearance_weight if camera and args.appearance_weight is None else None
        tuning = tuning_of(settings, kind, view, camera_colours)
        faces = args.face_assist or face_assist_of(settings, camera.face_assist if camera else None)
        detector = build_detector(settings, kind, tiles, low_score, faces)
        fps = args.fps or source.source_fps
        windows = (
            args.zoom
            if args.zoom is not None
            else zoom_windows_of(settings, camera.zoom_windows if camera else None, kind)
        )
        zoom = build_zoom(settings, windows, fps, kind, low_score)
    except (OSError, ValueError, SourceError, ModelUnavailable) as exc:
        print(f"branchops count: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out).open("w", encoding="utf-8") if args.out else sys.stdout  # noqa: SIM115
    analyzer: FrameAnalyzer | None = None
    frames = 0
    started = time.perf_counter()
    try:
        for frame in source.frames():
            if frame.image is None:
                continue
            if analyzer is None:
                h, w = frame.image.shape[:2]
                camera = camera or default_camera(w, h)
                area = motion_min_area_of(settings, camera.motion_min_area)
                gate = MotionGate(area, settings.max_static_s) if args.motion_gating else None
                analyzer = FrameAnalyzer(
                    camera,
                    detector,
                    gate=gate,
                    params=tracker_params(settings.score_threshold, fps, low_score, tuning),
                    zoom=zoom,
                )
            result = analyzer.analyze(frame.image, frame.t)
            record = {
                "frame": frame.index,
                "people": [
                    {"track_id": p.track_id, "box": p.box.as_list(), "score": p.score, "coasting": p.coasting}
                    for p in result.people
                ],
                "entered": result.entered,
                "exited": result.exited,
                "occupancy": result.occupancy,
            }
            out.write(json.dumps(record) + "\n")
            frames += 1
    finally:
        source.close()
        if out is not sys.stdout:
            out.close()
    elapsed = time.perf_counter() - started
    last = (
        f"entered {analyzer.pipeline.entered}, exited {analyzer.pipeline.exited}"
        if analyzer and analyzer.pipeline
        else "no frame"
    )
    print(f"{frames} frames in {elapsed:.1f} s ({frames / max(elapsed, 1e-9):.1f} fps); {last}", file=sys.stderr)
    return 0 if frames else 2


def _positive(value: str) -> float:
    number = float(value)
    if not 0 < number <= 240:
        raise argparse.ArgumentTypeError(f"must be within (0, 240], got {value}")
    return number


def zoom_windows_arg(value: str) -> int:
    if value.isdigit() and 0 <= int(value) <= 8:
        return int(value)
    raise argparse.ArgumentTypeError(f"must be a whole number 0..8, got {value}")


def _tiles(value: str) -> int | str:
    from services.queue.vision.domain.grid import TILES_HELP, is_detector_tiles

    tiles: int | str = int(value) if value.isdigit() else value
    if is_detector_tiles(tiles):
        return tiles
    raise argparse.ArgumentTypeError(f"must be {TILES_HELP}, got {value}")


VIEWS = ("eye_level", "elevated")  # CameraView's values (a test keeps them equal), without importing the domain


def register(subparsers: Any) -> None:
    count = subparsers.add_parser("count", help="count people in a video: per-frame tracks and line counts (JSONL)")
    count.add_argument("video", help="video file or stream URL")
    count.add_argument("--camera", default=None, help="camera YAML: frame, lines, zones, staff_zones, detector")
    count.add_argument("--out", default=None, help="JSONL output (default: stdout)")
    count.add_argument("--fps", type=_positive, default=None, help="analysis rate; default: every frame")
    count.add_argument("--score", type=float, default=None, help="detector score threshold (default 0.3)")
    count.add_argument(
        "--low-score",
        type=float,
        default=None,
        help="detector low threshold: boxes from it up to the start score only extend tracks (default: measured per "
        "detector and view, 0.2 for ssdlite, 0.4 for movenet at eye level)",
    )
    count.add_argument("--input-size", type=int, default=None, help="SSDLite input size (default 300)")
    count.add_argument(
        "--detector",
        choices=["ssdlite", "movenet"],
        default=None,
        help="person detector: ssdlite, or movenet (MoveNet MultiPose's box heads; deploy/models/fetch_movenet.sh) "
        "(default: the camera file's, else the service's QUEUE_VISION_DETECTOR)",
    )
    count.add_argument("--onnx-model", default=None, help="use this YOLO-style ONNX detector instead of SSDLite")
    count.add_argument(
        "--tiles",
        type=_tiles,
        default=None,
        help="detector on 1..4 side-by-side tiles of each frame, auto, or grid2 / grid3 (bands of auto tiles, for a "
        "hall camera) (default: the camera file's, else 1)",
    )
    count.add_argument(
        "--view",
        choices=VIEWS,
        default=None,
        help="how the camera looks at people: eye_level or elevated (a hall camera); the tracker's thresholds were "
        "measured apart for each (default: the camera file's, else eye_level)",
    )
    count.add_argument(
        "--appearance-weight",
        type=float,
        default=None,
        help="share of clothing colour when the tracker pairs overlapping boxes, 0..1, 0 boxes alone (default: the "
        "camera file's, else the service's QUEUE_VISION_APPEARANCE_WEIGHT, else 0.7 at eye level, 0 elevated)",
    )
    count.add_argument(
        "--face-assist",
        action="store_true",
        help="add a body box for each face no person box holds (hall cameras; default: the camera file's, else off)",
    )
    count.add_argument(
        "--zoom",
        type=zoom_windows_arg,
        default=None,
        help="track-guided zoom: detector windows per frame around tracked people it missed, 0..8, 0 off "
        "(default: the camera file's, else the service's QUEUE_VISION_ZOOM_WINDOWS, else 2 for ssdlite, 0 for movenet)",
    )
    count.add_argument(
        "--motion-gating",
        action="store_true",
        help="skip the detector on static frames (MOG2; the camera file's motion_min_area, else the service's)",
    )
    count.set_defaults(func=_count)
