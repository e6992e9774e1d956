"""Camera configuration, by API (``PUT /v1/branches/{b}/cameras/{c}``) and by YAML: one pydantic model.

Pure values: the YAML files are read by ``adapters/camera_files.py``, the configs set by API are kept in
Redis by ``adapters/config_store.py``.

Coordinates are pixels of a frame of ``frame.width`` x ``frame.height``; a stream of another size gets
the geometry scaled. Broken geometry (a self-intersecting polygon, a line outside the frame, a zone
name used twice) is refused with a reason.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from branchops.contracts.base import Identifier
from services.queue.vision.domain.geometry import Anchor, EntrySide, FrameSize, Line, Point, Polygon
from services.queue.vision.domain.grid import TILES_HELP, is_detector_tiles
from services.queue.vision.domain.pipeline import WHOLE_FRAME, Geometry
from services.queue.vision.domain.tiling import MAX_TILES

Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", description="Name used in events")]
XY = Annotated[list[float], Field(min_length=2, max_length=2, description="[x, y] in pixels")]


class DetectorKind(StrEnum):
    SSDLITE = "ssdlite"  # the bundled SSDLite-MobileNetV2 pedestrian model (cv2.dnn)
    ONNX = "onnx"  # an operator-supplied YOLO-style ONNX model (onnxruntime)
    MOVENET = "movenet"  # MoveNet MultiPose's box heads (npm model, onnxruntime; adapters/movenet.py)


class CameraView(StrEnum):
    EYE_LEVEL = "eye_level"  # about head height, looking across (a door, a corridor): most cameras
    ELEVATED = "elevated"  # high in a hall, looking down at an angle (people small, often half hidden)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FrameSpec(_Strict):
    width: int = Field(640, ge=16, le=8192)
    height: int = Field(360, ge=16, le=8192)


class LineSpec(_Strict):
    name: Name
    points: list[XY] = Field(min_length=2, max_length=2, description="start and end of the line")
    entry_side: EntrySide = Field(EntrySide.RIGHT, description="side of start->end that is inside")


class ZoneSpec(_Strict):
    name: Name
    points: list[XY] = Field(min_length=3, max_length=64)


class OccupancyGridSpec(_Strict):
    """The hourly occupancy grid over the frame (occupancy.v1): cells across and down."""

    cols: int = Field(16, ge=1, le=64)
    rows: int = Field(9, ge=1, le=36)


class CameraConfig(_Strict):
    camera_id: Identifier | None = Field(None, description="Taken from the URL when set by API")
    source: str = Field("", max_length=2000, description="rtsp://, http(s):// (MJPEG) or a file path")
    frame: FrameSpec = Field(default_factory=FrameSpec, description="Frame size the coordinates refer to")
    analysis_fps: float = Field(5.0, gt=0, le=30, description="Frames analysed per second; others skipped")
    detector: DetectorKind | None = Field(None, description="None: the service default")
    detector_tiles: Annotated[int, Field(ge=1, le=MAX_TILES)] | Literal["auto", "grid2", "grid3"] = Field(
        "auto",
        description=f"Run the detector on this many side-by-side tiles of each frame (1..{MAX_TILES}), or 'auto' "
        "(the default): round(width / height), so two tiles on a 16:9 frame and the whole frame on a 4:3 one; "
        "1: the whole frame at once. Detector cost per frame grows with the tile count (bench/counting.py: "
        "recall 51.8 -> 60.6%, IDF1 38.3 -> 48.4, line error 38.7 -> 25.8% for 2x the detector CPU). "
        "'grid2' / 'grid3': for a hall (elevated) camera, 2 or 3 horizontal bands of 'auto' tiles each, merged "
        "across the bands (6 detector runs a frame at 16:9 for grid2; on elevated footage recall 13.5 -> 27.8%, "
        "line error 83.6 -> 62.7% vs 'auto', but worse at eye level: docs/operations.md)",
    )
    detector_low_score: float | None = Field(
        None,
        gt=0,
        lt=1,
        description="None: the service default (QUEUE_VISION_DETECTOR_LOW_SCORE). Detections from this score up to "
        "the service's score_threshold may only extend existing tracks, never start one",
    )
    appearance_weight: float | None = Field(
        None,
        ge=0,
        le=1,
        description="None: the service default (QUEUE_VISION_APPEARANCE_WEIGHT, else measured per view). Share of "
        "clothing colour when the tracker pairs overlapping boxes with tracks; 0: boxes alone",
    )
    zoom_windows: int | None = Field(
        None,
        ge=0,
        le=8,
        description="None: the service default (QUEUE_VISION_ZOOM_WINDOWS). Track-guided zoom: the detector runs "
        "again on up to this many small windows a frame around tracked people it missed; 0: off",
    )
    view: CameraView = Field(
        CameraView.EYE_LEVEL,
        description="How the camera looks at people: 'eye_level' (the default) or 'elevated' (high in a hall, looking "
        "down). The tracker's thresholds were measured apart for the two (domain/tuning.py)",
    )
    face_assist: bool | None = Field(
        None,
        description="None: the service default (QUEUE_VISION_FACE_ASSIST, off). True for a hall (elevated) camera: "
        "a body box is added for each face no person box holds (elevated footage: track recall about 15 -> 28%)",
    )
    anchor: Anchor = Anchor.BOTTOM_CENTER
    motion_gating: bool | None = Field(None, description="None: the service default")
    motion_min_area: float | None = Field(
        None,
        gt=0,
        lt=1,
        description="None: the service default (QUEUE_VISION_MOTION_MIN_AREA). Moving share of the frame that "
        "wakes the detector when motion gating is on; about 0.0005 for a hall camera, where people are small",
    )
    lines: list[LineSpec] = Field(default_factory=list, max_length=16)
    zones: list[ZoneSpec] = Field(default_factory=list, max_length=32)
    staff_zones: list[ZoneSpec] = Field(default_factory=list, max_length=32)
    occupancy_grid: OccupancyGridSpec = Field(
        default_factory=OccupancyGridSpec,
        description="Cells of the hourly occupancy grid (person-seconds per cell, occupancy.v1; counts only)",
    )
    enabled: bool = True

    @field_validator("source")
    @classmethod
    def _check_source(cls, value: str) -> str:
        if any(ch in value for ch in "\n\r\x00"):
            raise ValueError("source contains control characters")
        return value

    @field_validator("detector_tiles", mode="before")
    @classmethod
    def _check_tiles(cls, value: Any) -> Any:
        if is_detector_tiles(value):
            return value
        raise ValueError(f"detector_tiles must be {TILES_HELP}, got {value!r}")

    @model_validator(mode="after")
    def _check_geometry(self) -> CameraConfig:
        self.geometry()  # raises ValueError with the reason
        names = [z.name for z in self.zones] + [z.name for z in self.staff_zones]
        if len(set(names)) != len(names):
            raise ValueError("zone and staff zone names must be unique")
        if WHOLE_FRAME in names:
            raise ValueError(f"zone name {WHOLE_FRAME!r} is reserved for the whole frame")
        if len({ln.name for ln in self.lines}) != len(self.lines):
            raise ValueError("line names must be unique")
        return self

    def frame_size(self) -> FrameSize:
        return FrameSize(self.frame.width, self.frame.height)

    def geometry(self, width: int | None = None, height: int | None = None) -> Geometry:
        """Domain geometry, scaled to frames of ``width`` x ``height`` when given."""
        frame = self.frame_size()
        lines: dict[str, Line] = {}
        for spec in self.lines:
            try:
                line = Line(_pt(spec.points[0]), _pt(spec.points[1]), spec.entry_side)
                line.check_inside(frame)
            except ValueError as exc:
                raise ValueError(f"line {spec.name!r}: {exc}") from None
            lines[spec.name] = line
        zones = {z.name: _polygon("zone", z, frame) for z in self.zones}
        staff = {z.name: _polygon("staff zone", z, frame) for z in self.staff_zones}
        if width is None or height is None:
            return Geometry(lines, zones, staff, self.anchor)
        sx, sy = width / frame.width, height / frame.height
        return Geometry(
            {n: v.scaled(sx, sy) for n, v in lines.items()},
            {n: v.scaled(sx, sy) for n, v in zones.items()},
            {n: v.scaled(sx, sy) for n, v in staff.items()},
            self.anchor,
        )


def _pt(xy: list[float]) -> Point:
    return Point(xy[0], xy[1])


def _polygon(kind: str, spec: ZoneSpec, frame: FrameSize) -> Polygon:
    try:
        polygon = Polygon(tuple(_pt(p) for p in spec.points))
        polygon.check_inside(frame)
    except ValueError as exc:
        raise ValueError(f"{kind} {spec.name!r}: {exc}") from None
    return polygon


def default_camera(width: int, height: int) -> CameraConfig:
    """Without a camera file: one line across the middle of the frame; walking down the image enters."""
    mid = height / 2
    return CameraConfig(
        frame=FrameSpec(width=width, height=height),
        lines=[LineSpec(name="middle", points=[[0, mid], [width, mid]], entry_side=EntrySide.RIGHT)],
    )
