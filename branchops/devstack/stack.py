"""The whole dev stack on one machine: tansu broker, Redis, PostgreSQL, and the services as uvicorn processes."""

from __future__ import annotations

import importlib.util
import os
import socket
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from branchops.devstack.broker import TansuBroker
from branchops.devstack.kafka import KafkaBroker, KafkaCluster, broker_capabilities, dev_broker_kind
from branchops.devstack.postgres import EmbeddedPostgres, find_or_start_postgres
from branchops.devstack.process import ManagedProcess, free_port, port_open
from branchops.devstack.redis_server import LocalRedis, redis_answers
from branchops.plugins import ServiceDescriptor, load_services

ServiceSpec = ServiceDescriptor
"""How the devstack runs a service: the descriptor each service registers (see :mod:`branchops.plugins`)."""


def http_protocol() -> str:
    """uvicorn's ``--http``: the protocol with a deadline for request heads, on httptools when installed."""
    name = "HeadDeadlineHttpTools" if importlib.util.find_spec("httptools") else "HeadDeadlineH11"
    return f"branchops.web.server:{name}"


@dataclass
class DevStack:
    """Start with :meth:`start`, stop with :meth:`stop` (or use as a context manager).

    PostgreSQL is started only when a registered service keeps state in it (``ServiceDescriptor.database``):
    ``database_url`` if given, else as :func:`branchops.devstack.postgres.find_or_start_postgres` finds it
    (the embedded server keeps its data in ``postgres_data_dir`` when given).

    ``isolated`` (what ``branchops up`` uses): never the machine's own Redis on :6379 or PostgreSQL on :5432;
    a Redis and a PostgreSQL of this stack, unless ``redis_url``/``REDIS_URL`` or ``database_url``/
    ``DATABASE_URL`` name one explicitly.

    ``broker_kind``: ``tansu`` (default) or ``kafka`` (Apache Kafka, a single KRaft node; see
    :mod:`branchops.devstack.kafka`), else ``BRANCHOPS_DEV_BROKER``. The services' Kafka settings follow what
    the broker supports (the idempotent producer on Apache Kafka; tansu's workarounds only on tansu).
    """

    log_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="branchops-dev-")))
    redis_url: str | None = None
    kafka_port: int | None = None
    database_url: str | None = None
    postgres_data_dir: Path | None = None
    broker: TansuBroker | KafkaCluster | None = None
    broker_kind: str | None = None
    local_redis: LocalRedis | None = None
    postgres: EmbeddedPostgres | None = None
    services: dict[str, tuple[ManagedProcess, int]] = field(default_factory=dict)
    isolated: bool = False

    @property
    def kafka_bootstrap(self) -> str:
        if self.broker is None:
            raise RuntimeError("dev stack not started")
        return self.broker.bootstrap

    def start(self) -> DevStack:
        explicit = self.redis_url or os.environ.get("REDIS_URL")
        candidate = explicit or (None if self.isolated else "redis://127.0.0.1:6379/0")
        if explicit and self.isolated and not redis_answers(explicit):
            raise RuntimeError(f"no Redis answers at {explicit} (REDIS_URL)")
        if candidate and redis_answers(candidate):
            self.redis_url = candidate
        else:
            self.local_redis = LocalRedis(log_dir=self.log_dir)
            self.local_redis.start()
            self.redis_url = self.local_redis.url
        if any(spec.database for spec in load_services()):
            self.database_url, self.postgres = find_or_start_postgres(
                log_dir=self.log_dir, url=self.database_url, data_dir=self.postgres_data_dir, own=self.isolated
            )
        self.broker_kind = self.broker_kind or dev_broker_kind()
        if self.broker_kind == "kafka":
            self.broker = KafkaBroker(log_dir=self.log_dir, port=self.kafka_port)
        else:
            self.broker = TansuBroker(log_dir=self.log_dir, port=self.kafka_port)
        self.broker.start()
        return self

    @property
    def supports_idempotence(self) -> bool:
        """The broker has an idempotent producer (Apache Kafka; not tansu)."""
        return broker_capabilities(self.broker)[0]

    @property
    def supports_offsets_for_times(self) -> bool:
        """The broker answers ListOffsets by timestamp (Apache Kafka; not tansu)."""
        return broker_capabilities(self.broker)[1]

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        """Environment for a service process wired to this stack."""
        assert self.redis_url is not None
        env = dict(os.environ)
        kafka = self.supports_idempotence
        env.update(
            {
                "BRANCHOPS_KAFKA_BOOTSTRAP": self.kafka_bootstrap,
                "BRANCHOPS_KAFKA_IDEMPOTENCE": "true" if kafka else "false",  # tansu has no idempotent producer
                "BRANCHOPS_KAFKA_SESSION_TIMEOUT_MS": "3000",  # quick rebalances (tansu waits one out per rejoin)
                "BRANCHOPS_KAFKA_HEARTBEAT_MS": "300",
                "BRANCHOPS_KAFKA_METADATA_MAX_AGE_MS": "5000",  # notice recreated topics quickly
                "ORT_DISABLE_TELEMETRY": "1",
            }
        )
        if not kafka:  # tansu-only workarounds
            env["BRANCHOPS_KAFKA_FETCH_MAX_WAIT_MS"] = "20"  # tansu does not wake a waiting fetch early
            env["BRANCHOPS_KAFKA_CREATE_TOPICS"] = "true"  # tansu forgets its topics when it restarts
        for spec in load_services():
            env[f"{spec.env_prefix}_REDIS_URL"] = self.redis_url
            if spec.database and self.database_url:
                env[f"{spec.env_prefix}_DATABASE_URL"] = self.database_url
        env.update(extra or {})
        return env

    def start_service(
        self,
        spec: ServiceSpec,
        *,
        port: int | None = None,
        env: dict[str, str] | None = None,
        workers: int = 1,
        listener: socket.socket | None = None,
    ) -> int:
        """Start one service (``workers`` uvicorn worker processes on one port) and return its port.

        ``listener``: a socket bound already (``reserve_port``) that the service listens on (uvicorn ``--fd``),
        so the port cannot be taken between choosing it and serving; else ``port`` (or a free one)."""
        if listener is not None:
            port = int(listener.getsockname()[1])
            where = ["--fd", str(listener.fileno())]
        else:
            port = port or free_port()
            where = ["--host", "127.0.0.1", "--port", str(port)]
        argv = [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            spec.app_factory,
            *where,
            "--no-access-log",
            "--timeout-graceful-shutdown",
            "3",
            "--http",
            http_protocol(),  # a deadline for request heads (branchops/web/server.py)
        ]
        if workers > 1:
            argv += ["--workers", str(workers)]
        fds = [listener.fileno()] if listener is not None else []
        proc = ManagedProcess(
            spec.name, argv, log_path=self.log_dir / f"{spec.name}.log", env=self.env(env), pass_fds=fds
        )
        proc.start()
        self.services[spec.name] = (proc, port)
        return port

    def wait_healthy(self, names: list[str] | None = None, timeout_s: float = 60.0, path: str = "/readyz") -> None:
        deadline = time.monotonic() + timeout_s
        pending = set(names or self.services)
        while pending:
            for name in list(pending):
                proc, port = self.services[name]
                if not proc.alive():
                    raise RuntimeError(f"service {name} exited; log:\n{proc.tail()}")
                if port_open("127.0.0.1", port) and _ok(f"http://127.0.0.1:{port}{path}"):
                    pending.discard(name)
            if pending and time.monotonic() > deadline:
                logs = "\n".join(f"--- {n}\n{self.services[n][0].tail()}" for n in pending)
                raise TimeoutError(f"not ready within {timeout_s} s: {sorted(pending)}\n{logs}")
            time.sleep(0.1)

    def stop(self) -> None:
        for proc, _ in reversed(list(self.services.values())):
            proc.stop()
        self.services.clear()
        if self.broker:
            self.broker.stop()
        if self.local_redis:
            self.local_redis.stop()
        if self.postgres:
            self.postgres.stop()

    def __enter__(self) -> DevStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False
