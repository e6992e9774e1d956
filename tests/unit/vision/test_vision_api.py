"""Camera configuration by API and YAML; broken geometry refused 422 with a reason; roles."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import types
import typing
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from branchops.contracts import Topic
from branchops.contracts.base import EventData
from branchops.contracts.enums import CameraState
from branchops.settings import Role
from branchops.web import create_service_app
from services.queue.vision.adapters.camera_files import load_camera_dir, load_camera_yaml
from services.queue.vision.domain.camera_config import CameraConfig
from services.queue.vision.domain.messages import FootfallWindow, StatusReport, to_event
from services.queue.vision.routes.cameras import router
from services.queue.vision.settings import VisionSettings
from services.queue.vision.usecases.cameras import VisionService
from tests.conftest import api_key, make_platform

GOOD: dict[str, Any] = {
    "source": "rtsp://camera.local/stream1",
    "frame": {"width": 640, "height": 360},
    "analysis_fps": 5,
    "lines": [{"name": "door", "points": [[0, 200], [640, 200]], "entry_side": "right"}],
    "zones": [{"name": "waiting", "points": [[0, 0], [300, 0], [300, 180], [0, 180]]}],
    "staff_zones": [{"name": "counter", "points": [[400, 0], [640, 0], [640, 360], [400, 360]]}],
}


class ListSink:
    def __init__(self) -> None:
        self.events: list[tuple[Topic, EventData]] = []

    async def emit(self, topic: Topic, data: EventData) -> None:
        self.events.append((topic, data))


@pytest.fixture
def client() -> TestClient:
    app = create_service_app("queue", make_platform("127.0.0.1:1"), routers=[router])
    app.state.vision = VisionService(VisionSettings(enabled=False), ListSink())
    return TestClient(app)


def headers(role: Role) -> dict[str, str]:
    return {"X-API-Key": api_key(role)}


def with_change(path: list[Any], value: Any) -> dict[str, Any]:
    body = copy.deepcopy(GOOD)
    target: Any = body
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return body


def test_put_then_get(client: TestClient) -> None:
    put = client.put("/v1/branches/b1/cameras/hall-1", json=GOOD, headers=headers(Role.MANAGER))
    assert put.status_code == 200, put.text
    got = client.get("/v1/branches/b1/cameras/hall-1", headers=headers(Role.HEAD_OFFICE))
    assert got.status_code == 200
    assert got.json()["config"]["lines"][0]["name"] == "door"
    assert got.json()["config"]["camera_id"] == "hall-1"


@pytest.mark.parametrize(
    ("path", "value", "reason"),
    [
        (["lines", 0, "points"], [[0, 200], [700, 200]], "outside the 640x360 frame"),
        (["zones", 0, "points"], [[0, 0], [100, 100], [100, 0], [0, 100]], "self-intersecting"),
        (["staff_zones", 0, "name"], "waiting", "unique"),
        (["zones", 0, "name"], "frame", "reserved"),
        (["analysis_fps"], 0, "greater than 0"),
        (["detector"], "hog", "ssdlite"),
        (["detector_tiles"], 0, "detector_tiles must be an integer 1..4, 'auto', 'grid2' or 'grid3'"),
        (["detector_tiles"], 9, "detector_tiles must be an integer 1..4, 'auto', 'grid2' or 'grid3'"),
        (["detector_tiles"], "wide", "detector_tiles must be an integer 1..4, 'auto', 'grid2' or 'grid3'"),
        (["detector_tiles"], "grid4", "detector_tiles must be an integer 1..4, 'auto', 'grid2' or 'grid3'"),
        (["motion_min_area"], 0, "greater than 0"),
        (["motion_min_area"], 1, "less than 1"),
        (["zoom_windows"], -1, "greater than or equal to 0"),
        (["zoom_windows"], 9, "less than or equal to 8"),
        (["zoom_windows"], "two", "valid integer"),
        (["face_assist"], "sometimes", "valid boolean"),
        (["view"], "ceiling", "'eye_level' or 'elevated'"),
        (["frame", "width"], 5, "greater than or equal to 16"),
        (["lines", 0, "entry_side"], "up", "left"),
        (["occupancy_grid"], {"cols": 0, "rows": 9}, "greater than or equal to 1"),
        (["occupancy_grid"], {"cols": 16, "rows": 37}, "less than or equal to 36"),
    ],
)
def test_broken_config_is_refused_with_a_reason(client: TestClient, path: list[Any], value: Any, reason: str) -> None:
    response = client.put(
        "/v1/branches/b1/cameras/hall-1", json=with_change(path, value), headers=headers(Role.MANAGER)
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert reason in response.json()["detail"]


@pytest.mark.parametrize("tiles", [1, 3, "auto", "grid2", "grid3"])
def test_detector_tiles_round_trip(client: TestClient, tiles: int | str) -> None:
    put = client.put(
        "/v1/branches/b1/cameras/wide", json={**GOOD, "detector_tiles": tiles}, headers=headers(Role.MANAGER)
    )
    assert put.status_code == 200, put.text
    got = client.get("/v1/branches/b1/cameras/wide", headers=headers(Role.MANAGER))
    assert got.json()["config"]["detector_tiles"] == tiles


def test_a_hall_camera_sets_its_motion_gate_area(client: TestClient) -> None:
    body = {**GOOD, "detector_tiles": "grid2", "motion_min_area": 0.0005}
    assert client.put("/v1/branches/b1/cameras/hall", json=body, headers=headers(Role.MANAGER)).status_code == 200
    got = client.get("/v1/branches/b1/cameras/hall", headers=headers(Role.MANAGER)).json()["config"]
    assert (got["detector_tiles"], got["motion_min_area"]) == ("grid2", 0.0005)
    plain = client.put("/v1/branches/b1/cameras/door", json=GOOD, headers=headers(Role.MANAGER))
    assert plain.json()["config"]["motion_min_area"] is None


def test_a_camera_sets_its_zoom_windows_and_face_assist(client: TestClient) -> None:
    body = {**GOOD, "zoom_windows": 0, "face_assist": True}
    assert client.put("/v1/branches/b1/cameras/quiet", json=body, headers=headers(Role.MANAGER)).status_code == 200
    got = client.get("/v1/branches/b1/cameras/quiet", headers=headers(Role.MANAGER)).json()["config"]
    assert (got["zoom_windows"], got["face_assist"]) == (0, True)
    plain = client.put("/v1/branches/b1/cameras/door", json=GOOD, headers=headers(Role.MANAGER))
    assert (plain.json()["config"]["zoom_windows"], plain.json()["config"]["face_assist"]) == (None, None)


def test_a_hall_camera_says_it_looks_down(client: TestClient) -> None:
    body = {**GOOD, "view": "elevated"}
    assert client.put("/v1/branches/b1/cameras/hall", json=body, headers=headers(Role.MANAGER)).status_code == 200
    assert (
        client.get("/v1/branches/b1/cameras/hall", headers=headers(Role.MANAGER)).json()["config"]["view"] == "elevated"
    )
    plain = client.put("/v1/branches/b1/cameras/door", json=GOOD, headers=headers(Role.MANAGER))
    assert plain.json()["config"]["view"] == "eye_level"


def test_the_occupancy_grid_is_set_per_camera(client: TestClient) -> None:
    put = client.put(
        "/v1/branches/b1/cameras/hall-2",
        json={**GOOD, "occupancy_grid": {"cols": 8, "rows": 6}},
        headers=headers(Role.MANAGER),
    )
    assert put.status_code == 200, put.text
    got = client.get("/v1/branches/b1/cameras/hall-2", headers=headers(Role.MANAGER)).json()["config"]
    assert got["occupancy_grid"] == {"cols": 8, "rows": 6}
    default = client.put("/v1/branches/b1/cameras/hall-3", json=GOOD, headers=headers(Role.MANAGER)).json()
    assert default["config"]["occupancy_grid"] == {"cols": 16, "rows": 9}


def test_unknown_field_is_refused(client: TestClient) -> None:
    body = {**GOOD, "colour": "blue"}
    assert client.put("/v1/branches/b1/cameras/c", json=body, headers=headers(Role.MANAGER)).status_code == 422


@pytest.mark.parametrize(("role", "status"), [(Role.KIOSK, 403), (Role.TELLER, 403), (Role.MANAGER, 200)])
def test_only_managers_configure(client: TestClient, role: Role, status: int) -> None:
    assert client.put("/v1/branches/b1/cameras/c", json=GOOD, headers=headers(role)).status_code == status


def test_missing_camera_and_no_credential(client: TestClient) -> None:
    assert client.get("/v1/branches/b1/cameras/nope", headers=headers(Role.MANAGER)).status_code == 404
    assert client.get("/v1/branches/b1/cameras/nope").status_code == 401


def test_debug_stream_is_off_by_default(client: TestClient) -> None:
    client.put("/v1/branches/b1/cameras/c", json=GOOD, headers=headers(Role.MANAGER))
    assert client.get("/v1/branches/b1/cameras/c/debug.mjpeg", headers=headers(Role.MANAGER)).status_code == 404
    assert client.get("/v1/branches/b1/cameras/c/debug.mjpeg", headers=headers(Role.HEAD_OFFICE)).status_code == 403


def test_yaml_files(tmp_path: Path) -> None:
    (tmp_path / "b1").mkdir()
    (tmp_path / "b1" / "hall-1.yaml").write_text(yaml.safe_dump(GOOD), encoding="utf-8")
    found = load_camera_dir(tmp_path)
    assert list(found) == [("b1", "hall-1")] and found[("b1", "hall-1")].camera_id == "hall-1"
    bad = tmp_path / "bad.yaml"
    bad.write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(ValueError, match="mapping"):
        load_camera_yaml(bad)


def test_geometry_scales_to_the_stream() -> None:
    geometry = CameraConfig.model_validate(GOOD).geometry(1280, 720)
    assert geometry.lines["door"].start.y == 400


def test_worker_messages_become_valid_events() -> None:
    at = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)
    status = to_event(StatusReport("b1", "c", CameraState.DOWN, 0.0, "cannot open the source"), at)
    window = FootfallWindow("b1", "c", 100.0, 110.0, 2, 1, {"waiting": 3, "frame": 4}, {"waiting": 12.5})
    footfall = to_event(window, at)
    assert status[0].short == "camera.status.v1" and status[1].model_dump()["state"] == "down"
    assert footfall[0].short == "footfall.v1"
    assert footfall[1].model_dump()["entered"] == 2 and footfall[1].model_dump()["at"] == at
    assert footfall[1].model_dump()["window_end"] == dt.datetime.fromtimestamp(110.0, dt.UTC)


def test_worker_messages_are_counts_never_images() -> None:
    """Every field of a worker message is a number, a short text, a state or numbers by zone name: no type
    that could carry a frame (bytes, arrays, lists)."""
    allowed = {str, int, float, CameraState, type(None), dict[str, int], dict[str, float]}
    for message in (StatusReport, FootfallWindow):
        hints = typing.get_type_hints(message)
        assert set(hints) == {f.name for f in dataclasses.fields(message)}
        for name, hint in hints.items():
            kinds = set(typing.get_args(hint)) if isinstance(hint, types.UnionType) else {hint}
            assert kinds <= allowed, f"{message.__name__}.{name}: {hint}"


async def test_the_service_keeps_a_cameras_last_status_and_emits_its_events() -> None:
    sink = ListSink()
    service = VisionService(VisionSettings(enabled=False), sink)
    down = StatusReport("b1", "c", CameraState.DOWN, 0.0, "cannot open the source")
    await service._handle(down)
    await service._handle(FootfallWindow("b1", "c", 100.0, 110.0, 2, 1, {"waiting": 3}, {}))
    assert service.last_status[("b1", "c")] == down
    assert [(t.short, d.model_dump()["camera_id"]) for t, d in sink.events] == [
        ("camera.status.v1", "c"),
        ("footfall.v1", "c"),
    ]
