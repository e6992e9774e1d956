"""Settings of the camera workers (environment prefix ``QUEUE_VISION_``), separate from ``QueueSettings``."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.queue.vision.domain.camera_config import DetectorKind
from services.queue.vision.domain.source_policy import SourcePolicy

MODELS_DIR = Path(__file__).resolve().parents[3] / "models"
"""``models/`` of the source tree (an editable install or a checkout); the images copy it elsewhere and say
where with ``QUEUE_VISION_SSD_TEXT_GRAPH`` (deploy/docker/Dockerfile)."""


class VisionSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QUEUE_VISION_", extra="forbid", frozen=True, populate_by_name=True)

    enabled: bool = Field(True, description="Run camera workers at all")
    camera_dir: Path | None = Field(None, description="Folder of <branch>/<camera>.yaml files loaded at start")
    max_cameras: int = Field(16, ge=1, le=256, description="Camera worker processes at most")
    footfall_interval_s: float = Field(10.0, ge=1, le=3600, description="footfall.v1 every this many seconds")
    detector: DetectorKind = Field(
        DetectorKind.MOVENET,
        description="Default person detector: movenet (MoveNet MultiPose's box heads; on real footage more people at "
        "a higher precision than ssdlite, for less than half its CPU: docs/operations.md), ssdlite, or onnx",
    )
    ssd_input_size: int = Field(
        300,
        ge=128,
        le=1024,
        description="SSDLite input (square), pixels; 416 and 512 measured worse on real footage (docs/operations.md)",
    )
    motion_crops: bool = Field(
        False,
        description="Run the detector on square crops around the moving regions (MOG2) instead of the whole frame "
        "or its tiles; no motion: no detector run. Measured: lower recall than tiles (docs/operations.md)",
    )
    ssd_text_graph: Path = Field(
        MODELS_DIR / "ssdlite_pedestrian.pbtxt",
        description="OpenCV text graph of the SSDLite weights (models/README.md)",
    )
    score_threshold: float = Field(
        0.3,
        gt=0,
        lt=1,
        description="Detections from this score start and confirm tracks (at least the detector's measured floor: "
        "0.5 for ssdlite, 0.55 for movenet)",
    )
    detector_low_score: float | None = Field(
        None,
        gt=0,
        lt=1,
        description="Detections below are dropped; from it up to the score that starts tracks they may only extend "
        "one (two-stage association; equal to score_threshold: off). Unset: measured per detector and camera view "
        "(ssdlite 0.2; movenet 0.4 at eye level, 0.2 on an elevated camera; domain/tuning.py)",
    )
    appearance_weight: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Share of clothing colour when the tracker pairs overlapping boxes with tracks (0: boxes alone). "
        "Unset: measured per camera view, 0.7 at eye level (IDF1 69.5 -> 71.1 with movenet), 0 on an elevated "
        "camera (domain/tuning.py); a camera's appearance_weight overrides it. Colours stay in memory with the track",
    )
    zoom_windows: int | None = Field(
        None,
        ge=0,
        le=8,
        description="Track-guided zoom: per analysed frame, run the detector again on up to this many small "
        "windows around tracked people it missed (one run each; 0: off). Unset: what was measured best for the "
        "camera's detector, 2 for ssdlite (track recall 60.7 -> 63.6%, IDF1 48.4 -> 53.3 for about 1.5x the CPU) "
        "and 0 for movenet (no gain there); docs/operations.md",
    )
    face_assist: bool = Field(
        False,
        description="Add a body box for each face (YuNet) no person box holds: for hall (elevated) cameras, where "
        "the person detector finds few people; a camera's face_assist overrides it. Boxes only, no face kept",
    )
    movenet_model: Path = Field(
        MODELS_DIR / "npm" / "movenet-multipose.json",
        description="MoveNet MultiPose's TF.js graph (detector movenet), put there by deploy/models/fetch_movenet.sh",
    )
    movenet_input_size: int = Field(
        384,
        ge=128,
        le=640,
        multiple_of=32,
        description="MoveNet input (square) per tile, pixels: 384 is the largest with track precision >= 90% on the "
        "tuning footage (256: 2.2x faster, fewer people; 448 and 512 lose precision; docs/operations.md)",
    )
    onnx_model: Path | None = Field(None, description="Operator-supplied YOLO-style ONNX person detector")
    onnx_input_size: int = Field(640, ge=128, le=1536, description="ONNX model input (square), pixels")
    onnx_person_class: int = Field(0, ge=0, le=1000, description="Class index of 'person' in the ONNX model")
    nms_iou: float = Field(0.45, gt=0, lt=1, description="IoU above which the weaker box is suppressed")
    motion_gating: bool = Field(True, description="Skip the detector on frames without motion (MOG2)")
    motion_min_area: float = Field(0.002, gt=0, lt=1, description="Moving share of the frame that wakes the detector")
    max_static_s: float = Field(2.0, ge=0, le=60, description="Run the detector at least this often anyway")
    reconnect_min_s: float = Field(0.5, gt=0, le=60, description="First reconnect delay, doubled each try")
    reconnect_max_s: float = Field(30.0, gt=0, le=600)
    down_after_s: float = Field(10.0, gt=0, le=600, description="Report down when no frame arrives for this long")
    degraded_fps_ratio: float = Field(0.6, gt=0, le=1, description="Degraded below this share of analysis fps")
    max_frame_pixels: int = Field(
        1920 * 1080, ge=64 * 64, le=8192 * 8192, description="Larger frames (4K) are shrunk before analysis"
    )
    source_file_dir: Path | None = Field(
        None, description="Cameras set by API may read video files only under this folder (development); unset: none"
    )
    camera_networks: list[str] = Field(
        default_factory=list,
        description="CIDRs of the camera networks (JSON list); when set, a source set by API must resolve inside "
        "them, and http(s) MJPEG sources are allowed",
    )
    source_allow: list[str] = Field(
        default_factory=list,
        description="CIDRs allowed although internal (loopback, link-local): e.g. a test camera on this machine",
    )
    debug_stream: bool = Field(False, description="Debug MJPEG with overlays (manager role only); off by default")
    shard_index: int = Field(
        0,
        ge=0,
        le=9999,
        validation_alias=AliasChoices("QUEUE_VISION_SHARD_INDEX", "CAMERA_SHARD_INDEX"),
        description="This worker runs the cameras whose stable hash modulo shard_count is this",
    )
    shard_count: int = Field(
        1,
        ge=1,
        le=10000,
        validation_alias=AliasChoices("QUEUE_VISION_SHARD_COUNT", "CAMERA_SHARD_COUNT"),
        description="Number of camera-worker shards (replicas of the camera workers)",
    )

    @model_validator(mode="after")
    def _check(self) -> VisionSettings:
        if self.reconnect_max_s < self.reconnect_min_s:
            raise ValueError("reconnect_max_s must be >= reconnect_min_s")
        if self.shard_index >= self.shard_count:
            raise ValueError("shard_index must be below shard_count")
        SourcePolicy.of(None, self.camera_networks, self.source_allow)  # a bad CIDR stops the start, with its reason
        if self.detector is DetectorKind.ONNX and self.onnx_model is None:
            raise ValueError("detector onnx needs QUEUE_VISION_ONNX_MODEL")
        return self

    def source_policy(self) -> SourcePolicy:
        folder = str(self.source_file_dir.resolve()) if self.source_file_dir else None
        return SourcePolicy.of(folder, self.camera_networks, self.source_allow)
