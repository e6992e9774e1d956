"""The fault proxy itself, against a loopback echo server."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from tests.faults.proxy import FaultProxy


@pytest.fixture
def echo_port() -> Iterator[int]:
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            threading.Thread(target=_echo, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(2)
    server.close()


def _echo(conn: socket.socket) -> None:
    with conn:
        try:
            while data := conn.recv(4096):
                conn.sendall(data)
        except OSError:
            return


def _roundtrip(port: int, payload: bytes = b"ping", timeout_s: float = 1.0) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout_s) as sock:
        sock.sendall(payload)
        return sock.recv(4096)


def test_modes(echo_port: int) -> None:
    proxy = FaultProxy(echo_port).start()
    try:
        assert _roundtrip(proxy.port) == b"ping"
        proxy.set_mode("latency", latency_s=0.05)
        assert _roundtrip(proxy.port) == b"ping"
        proxy.set_mode("blackhole")
        with pytest.raises(TimeoutError):
            _roundtrip(proxy.port, timeout_s=0.3)
        proxy.set_mode("reset")
        with pytest.raises((ConnectionResetError, ConnectionAbortedError)):
            _roundtrip(proxy.port)
        proxy.set_mode("pass")
        assert _roundtrip(proxy.port) == b"ping"
    finally:
        proxy.stop()


def test_reset_cuts_open_connections(echo_port: int) -> None:
    proxy = FaultProxy(echo_port).start()
    try:
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=1) as sock:
            sock.sendall(b"a")
            assert sock.recv(10) == b"a"
            proxy.set_mode("reset")
            with pytest.raises((ConnectionResetError, ConnectionAbortedError, BrokenPipeError)):
                sock.sendall(b"b")
                if not sock.recv(10):
                    raise ConnectionResetError("closed")
    finally:
        proxy.stop()
