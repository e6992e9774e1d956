"""Helpers for tests that run services as real processes."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from tests.conftest import API_KEYS, TEST_JWT_SECRET


def service_env(**extra: str) -> dict[str, str]:
    env = {
        "BRANCHOPS_ENV": "test",
        "BRANCHOPS_API_KEYS": json.dumps({k: v.value for k, v in API_KEYS.items()}),
        "BRANCHOPS_JWT_SECRET": TEST_JWT_SECRET,
        "BRANCHOPS_KAFKA_SESSION_TIMEOUT_MS": "2000",
        "BRANCHOPS_KAFKA_HEARTBEAT_MS": "300",
    }
    env.update(extra)
    return env


class SseReader:
    """Reads an SSE stream in a thread and keeps the parsed events."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        self.url = url
        self.headers = headers
        self.events: list[dict[str, str]] = []
        self.connected = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            self._read()
        except httpx.HTTPError:
            if not self._stop.is_set():
                raise

    def _read(self) -> None:
        with (
            httpx.Client(timeout=httpx.Timeout(5.0, read=None)) as client,
            client.stream("GET", self.url, headers=self.headers) as response,
        ):
            self.status = response.status_code
            self.connected.set()
            current: dict[str, str] = {}
            for line in response.iter_lines():
                if self._stop.is_set():
                    return
                if not line:
                    if "data" in current:
                        self.events.append(current)
                    current = {}
                elif not line.startswith(":") and ":" in line:
                    field, _, value = line.partition(":")
                    current[field] = value.lstrip(" ")

    def start(self) -> SseReader:
        self._thread.start()
        if not self.connected.wait(10):
            raise AssertionError("SSE stream did not connect")
        return self

    def stop(self) -> None:
        self._stop.set()

    def wait_for(self, predicate: object, timeout_s: float = 20.0) -> dict[str, str]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for event in list(self.events):
                if predicate(event):  # type: ignore[operator]
                    return event
            time.sleep(0.05)
        raise AssertionError(f"no matching SSE event within {timeout_s} s; got {len(self.events)} events")


@contextmanager
def sse(url: str, headers: dict[str, str]) -> Iterator[SseReader]:
    reader = SseReader(url, headers).start()
    try:
        yield reader
    finally:
        reader.stop()


def eventually(check: object, timeout_s: float = 20.0, interval_s: float = 0.1) -> object:
    deadline = time.monotonic() + timeout_s
    last: object = None
    while time.monotonic() < deadline:
        last = check()  # type: ignore[operator]
        if last:
            return last
        time.sleep(interval_s)
    raise AssertionError(f"condition not met within {timeout_s} s (last: {last!r})")
