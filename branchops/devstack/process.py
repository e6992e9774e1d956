"""Child processes that never outlive their parent: spawned with PR_SET_PDEATHSIG, stopped with TERM then KILL."""

from __future__ import annotations

import ctypes
import functools
import os
import pwd
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

_PR_SET_PDEATHSIG = 1


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def reserve_port(host: str = "127.0.0.1", wanted: int = 0) -> socket.socket:
    """A listening socket on ``wanted`` (any free port when it is 0 or taken) for a child server to serve on
    (uvicorn ``--fd``): the port is ours from here on, so no other process can take it between choosing and
    serving (``free_port`` then binding again is a race); connections wait in its backlog until the child
    accepts them."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a port in TIME_WAIT from the last run is free
    try:
        sock.bind((host, wanted))
    except OSError:
        if wanted == 0:
            sock.close()
            raise
        sock.bind((host, 0))
    sock.listen(1024)  # listening already: no other socket can bind the port, SO_REUSEADDR or not
    sock.set_inheritable(True)
    return sock


def port_open(host: str, port: int, timeout_s: float = 0.2) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


def _die_with_parent(death_signal: int = signal.SIGTERM) -> None:  # runs in the child between fork and exec
    try:  # after Popen(user=...) switched users: a change of user would clear the setting
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, death_signal)
    except OSError:
        pass
    os.setpgrp()  # own process group: Ctrl-C in a terminal reaches the parent, which stops us in order


class ManagedProcess:
    """One child process with its log file.

    ``stop_signal`` asks it to stop (and is what it gets when its parent dies); ``user``: run it as that
    system user (the parent must be root), for servers that refuse to run as root (PostgreSQL).
    """

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        log_path: Path,
        env: dict[str, str] | None = None,
        stop_signal: int = signal.SIGTERM,
        user: str | None = None,
        pass_fds: Sequence[int] = (),
    ):
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self.env = env
        self.stop_signal = stop_signal
        self.user = user
        self.pass_fds = tuple(pass_fds)  # file descriptors the child inherits (a listening socket)
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child
        gid = pwd.getpwnam(self.user).pw_gid if self.user else None
        try:
            self._proc = subprocess.Popen(
                self.argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self.env,
                preexec_fn=functools.partial(_die_with_parent, self.stop_signal),
                close_fds=True,
                pass_fds=self.pass_fds,
                user=self.user,
                group=gid,
                extra_groups=None if gid is None else [gid],
            )
        finally:
            log.close()

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def exit_code(self) -> int | None:
        """The process's exit status once it ended; None while it runs (or before it started)."""
        return None if self._proc is None else self._proc.poll()

    def wait_for_port(self, host: str, port: int, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"{self.name} exited early; log:\n{self.tail()}")
            if port_open(host, port):
                return
            time.sleep(0.05)
        raise TimeoutError(f"{self.name} did not listen on {host}:{port} within {timeout_s} s; log:\n{self.tail()}")

    def stop(self, timeout_s: float = 10.0) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(self.stop_signal)
        try:
            proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)

    def kill(self) -> None:
        """Hard kill (fault tests)."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait(5)

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"
