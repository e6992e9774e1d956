"""Camera sources set by API (issue 24 item 2): schemes, internal addresses, files, one neutral message."""

from __future__ import annotations

import ipaddress
import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from branchops.settings import Role
from branchops.web import create_service_app
from services.queue.vision.adapters.source_guard import SourceGuard
from services.queue.vision.domain.source_policy import REFUSED, SourcePolicy, SourceRefused
from services.queue.vision.routes.cameras import router
from services.queue.vision.settings import VisionSettings
from services.queue.vision.usecases.cameras import VisionService
from tests.conftest import make_platform
from tests.unit.vision.test_vision_api import GOOD, ListSink, headers

CAMERAS = SourcePolicy.of("/srv/videos", ["10.20.0.0/16"], [])
OPEN = SourcePolicy.of(None, [], [])


@pytest.mark.parametrize(
    "source",
    [
        "file:///etc/passwd",
        "/etc/passwd",
        "gopher://10.20.0.5/",
        "ftp://10.20.0.5/x",
        "dict://10.20.0.5:11211/",
        "rtsp://127.0.0.1/x",
        "rtsp://localhost:8554/x",
        "rtsp://cam.localhost/x",
        "http://169.254.169.254/latest/meta-data/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "rtsp://[::1]/x",
        "rtsp://[::ffff:127.0.0.1]/x",
        "rtsp://[fe80::1]/x",
        "rtsp://[fd00:ec2::254]/x",
        "rtsp://0.0.0.0/x",
        "rtsp://224.0.0.1/x",
        "rtsp://10.99.0.5/x",  # private, but outside the camera networks
        "rtsp://user@/x",
        "rtsp://10.20.0.5:99999/x",
    ],
)
def test_refused_with_camera_networks(source: str) -> None:
    with pytest.raises(SourceRefused) as refused:
        _judge(CAMERAS, source)
    assert str(refused.value) == REFUSED  # one message, whatever the rule
    assert refused.value.why


@pytest.mark.parametrize(
    "source",
    [
        "rtsp://10.20.0.5:554/stream1",
        "rtsps://admin:pw@10.20.3.7/h264",
        "http://10.20.0.9/mjpeg",
        "/srv/videos/hall.mp4",
        "file:///srv/videos/door/1.avi",
    ],
)
def test_allowed_with_camera_networks(source: str) -> None:
    _judge(CAMERAS, source)


def test_without_camera_networks_rtsp_to_public_or_private_hosts_only() -> None:
    _judge(OPEN, "rtsp://192.168.1.64/Streaming/Channels/101")
    for refused in ("http://192.168.1.64/mjpeg", "rtsp://127.0.0.1/x", "/tmp/x.mp4", "/srv/../etc/passwd"):
        with pytest.raises(SourceRefused):
            _judge(OPEN, refused)


def test_allow_list_lets_a_loopback_test_camera_in() -> None:
    policy = SourcePolicy.of(None, [], ["127.0.0.1/32"])
    _judge(policy, "rtsp://127.0.0.1:8554/test")
    with pytest.raises(SourceRefused):
        _judge(policy, "rtsp://127.0.0.2:8554/test")


def test_file_dir_refuses_dot_dot_and_neighbours() -> None:
    for path in ("/srv/videos/../secret.mp4", "/srv/videos2/a.mp4", "relative.mp4"):
        with pytest.raises(SourceRefused):
            CAMERAS.check_file(path)


def test_bad_cidr_in_settings_stops_the_start() -> None:
    with pytest.raises(ValueError, match="does not appear to be an IPv4 or IPv6 network"):
        VisionSettings(enabled=False, camera_networks=["10.0.0.0/33"])


async def test_guard_resolves_names_and_judges_every_address() -> None:
    guard = SourceGuard(SourcePolicy.of(None, ["10.20.0.0/16"], []))
    with pytest.raises(SourceRefused):
        await guard.check("b1", "c1", "rtsp://localhost/x")  # blocked by name
    with pytest.raises(SourceRefused):
        await guard.check("b1", "c1", "rtsp://no-such-camera.invalid/x")  # unresolvable, networks configured


async def test_guard_judges_every_address_a_name_resolves_to() -> None:
    table = {
        "cam-1.branch": ["10.20.0.7"],
        "rebound.example": ["10.20.0.8", "127.0.0.1"],
        "meta.example": ["169.254.169.254"],
    }

    async def resolve(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        return [ipaddress.ip_address(a) for a in table.get(host, [])]

    guard = SourceGuard(SourcePolicy.of(None, ["10.20.0.0/16"], []), resolve=resolve)
    await guard.check("b1", "c1", "rtsp://cam-1.branch/ch1")
    for refused in ("rtsp://rebound.example/x", "http://meta.example/", "rtsp://unknown.example/x"):
        with pytest.raises(SourceRefused):
            await guard.check("b1", "c1", refused)


async def test_system_lookup_is_bounded_and_an_unknown_name_gives_no_address() -> None:
    guard = SourceGuard(OPEN, lookup_timeout_s=0.5)
    assert await guard.resolve("no-such-camera.invalid") == []
    assert ipaddress.ip_address("127.0.0.1") in await guard.resolve("localhost")


def _judge(policy: SourcePolicy, source: str) -> None:
    if "://" not in source or source.startswith("file:"):
        policy.check_file(source.removeprefix("file://"))
        return
    target = policy.live_target(source)
    assert target.literal is not None, "these cases use address literals"
    policy.check_addresses(target, [ipaddress.ip_address(target.literal)])


@pytest.fixture
def guarded_client(tmp_path: Path) -> TestClient:
    settings = VisionSettings(enabled=False, source_file_dir=tmp_path, camera_networks=["10.20.0.0/16"])
    app = create_service_app("queue", make_platform("127.0.0.1:1"), routers=[router])
    app.state.vision = VisionService(settings, ListSink())
    return TestClient(app)


@pytest.mark.parametrize(
    "source",
    ["file:///etc/passwd", "/etc/hostname", "/nonexistent/file.mp4", "http://169.254.169.254/", "rtsp://127.0.0.1/"],
)
def test_api_refuses_with_one_neutral_reason_and_keeps_nothing(
    guarded_client: TestClient, source: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="services.queue.vision.adapters.source_guard"):
        got = guarded_client.put(
            "/v1/branches/b1/cameras/c1", json={**GOOD, "source": source}, headers=headers(Role.MANAGER)
        )
    assert got.status_code == 422
    body = got.json()
    assert body["reason"] == "source_not_allowed"
    assert body["detail"] == REFUSED  # an existing and a missing file get the same answer
    assert "refused" in caplog.text  # the operator learns which rule
    missing = guarded_client.get("/v1/branches/b1/cameras/c1", headers=headers(Role.MANAGER))
    assert missing.status_code == 404  # nothing stored


def test_api_accepts_a_file_under_the_folder_and_a_camera_network(guarded_client: TestClient, tmp_path: Path) -> None:
    for camera, source in (("c1", str(tmp_path / "hall.mp4")), ("c2", "rtsp://10.20.1.2/ch1")):
        got = guarded_client.put(
            f"/v1/branches/b1/cameras/{camera}", json={**GOOD, "source": source}, headers=headers(Role.MANAGER)
        )
        assert got.status_code == 200, got.text


def test_capture_error_does_not_tell_whether_a_file_exists(tmp_path: Path) -> None:
    from services.queue.vision.adapters.capture import SourceError, VideoSource

    errors = []
    for path in ("/nonexistent/a.mp4", str(tmp_path)):  # missing, and existing but not a video
        with pytest.raises(SourceError) as failed:
            VideoSource(path, 5.0).open()
        errors.append(str(failed.value))
    assert errors[0] == errors[1] == "cannot open the source"
