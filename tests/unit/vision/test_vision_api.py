"""Camera configuration by API and YAML; broken geometry refused 422 with a reason; roles."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from branchops.contracts import Topic
from branchops.contracts.base import EventData
from branchops.settings import Role
from branchops.web import create_service_app
from services.queue.vision.config import CameraConfig, load_camera_dir, load_camera_yaml
from services.queue.vision.router import router
from services.queue.vision.service import VisionService, to_event
from services.queue.vision.settings import VisionSettings
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


@pytest.mark.parametrize(("path", "value", "reason"), [
    (["lines", 0, "points"], [[0, 200], [700, 200]], "outside the 640x360 frame"),
    (["zones", 0, "points"], [[0, 0], [100, 100], [100, 0], [0, 100]], "self-intersecting"),
    (["staff_zones", 0, "name"], "waiting", "unique"),
    (["zones", 0, "name"], "frame", "reserved"),
    (["analysis_fps"], 0, "greater than 0"),
    (["detector"], "hog", "ssdlite"),
    (["detector_tiles"], 0, "detector_tiles must be an integer 1..4 or 'auto'"),
    (["detector_tiles"], 9, "detector_tiles must be an integer 1..4 or 'auto'"),
    (["detector_tiles"], "wide", "detector_tiles must be an integer 1..4 or 'auto'"),
    (["frame", "width"], 5, "greater than or equal to 16"),
    (["lines", 0, "entry_side"], "up", "left"),
])
def test_broken_config_is_refused_with_a_reason(client: TestClient, path: list[Any], value: Any, reason: str) -> None:
    response = client.put("/v1/branches/b1/cameras/hall-1", json=with_change(path, value), headers=headers(Role.MANAGER))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert reason in response.json()["detail"]


@pytest.mark.parametrize("tiles", [1, 3, "auto"])
def test_detector_tiles_round_trip(client: TestClient, tiles: int | str) -> None:
    put = client.put("/v1/branches/b1/cameras/wide", json={**GOOD, "detector_tiles": tiles}, headers=headers(Role.MANAGER))
    assert put.status_code == 200, put.text
    got = client.get("/v1/branches/b1/cameras/wide", headers=headers(Role.MANAGER))
    assert got.json()["config"]["detector_tiles"] == tiles


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
    status = to_event({"kind": "status", "branch_id": "b1", "camera_id": "c", "state": "down", "fps": 0.0,
                       "error": "cannot open the source"})
    footfall = to_event({"kind": "footfall", "branch_id": "b1", "camera_id": "c", "window_start": 100.0,
                         "window_end": 110.0, "entered": 2, "exited": 1, "occupancy": {"waiting": 3, "frame": 4},
                         "dwell_p50_s": {"waiting": 12.5}})
    assert status is not None and status[0].short == "camera.status.v1"
    assert footfall is not None and footfall[0].short == "footfall.v1"
    assert footfall[1].model_dump()["entered"] == 2
