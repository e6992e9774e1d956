"""A camera that accepts the connection and then says nothing must not hold the worker for OpenCV's 30 s."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from services.queue.vision.adapters.capture import SourceError, VideoSource
from tests.waiting import join_within


@pytest.fixture
def silent_camera() -> Iterator[str]:
    """An HTTP 'camera' that accepts every connection and never sends a byte."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                held.append(conn)
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/video.mjpeg"
    stop.set()
    join_within(thread, 2)
    for conn in held:
        conn.close()
    server.close()


def test_opening_a_silent_camera_gives_up_within_the_read_timeout(silent_camera: str) -> None:
    source = VideoSource(silent_camera, 5, realtime=True, read_timeout_s=1.0)
    started = time.monotonic()
    with pytest.raises(SourceError):
        source.open()
    took = time.monotonic() - started
    source.close()
    assert took < 8.0, f"opening a silent camera took {took:.1f} s (OpenCV's default would be 30 s or more)"
