"""``branchops up``: the whole system on one machine — devstack, every service, a simulated branch."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import signal
import socket
import sys
import threading
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import SecretStr

from branchops.clock import Clock
from branchops.devstack import DevStack
from branchops.devstack.postgres import redact
from branchops.devstack.process import ManagedProcess, reserve_port
from branchops.plugins import DevRun, DevSetup, ServiceDescriptor, load_services, run_dev_setup
from branchops.settings import Environment, PlatformSettings, Role
from branchops.web.auth import issue_token

SIMULATED_DAYS = 30  # the simulators stop after this many branch days (or with the stack)
BRANCH_DAY_MIN = 480  # simulated minutes of one branch day
BRANCH_ZONE = ZoneInfo("Asia/Shanghai")  # local time of the simulated branch
OPENS_AT = dt.time(9, 0)  # the simulated day starts when the branch opens


def run_clock(speed: float, real_start: float | None = None) -> Clock:
    """The run's shared simulated clock: the branch's opening time today (its local day), ``speed`` times
    as fast as the wall clock."""
    today = dt.datetime.now(BRANCH_ZONE).date()
    return Clock.simulated_from(dt.datetime.combine(today, OPENS_AT, BRANCH_ZONE), speed, real_start)


def dev_credentials() -> tuple[dict[str, str], str]:
    """Fresh API keys per role and a JWT secret for this run (never defaults, never reused)."""
    keys = {role.value: f"dev-{role.value}-{secrets.token_urlsafe(18)}" for role in Role}
    return keys, secrets.token_urlsafe(32)


def run_up(
    *,
    log_dir: Path | None = None,
    simulate: bool = True,
    branch: str = "demo-001",
    speed: float = 20.0,
    ready_timeout_s: float = 120.0,
    data_dir: Path | None = None,
) -> int:
    """``data_dir``: the embedded PostgreSQL keeps its data there between runs (default: a fresh temp folder).

    The run has its own Redis and PostgreSQL (never the machine's :6379 or :5432 unless ``REDIS_URL`` or
    ``DATABASE_URL`` say so): nothing of one run is left for the next but what ``data_dir`` keeps."""
    started = time.monotonic()
    specs = load_services()
    keys, jwt_secret = dev_credentials()
    stack = (
        DevStack(log_dir=log_dir, postgres_data_dir=data_dir, isolated=True)
        if log_dir
        else DevStack(postgres_data_dir=data_dir, isolated=True)
    )
    stop = threading.Event()
    simulators: list[ManagedProcess] = []
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        stack.start()
        clock = run_clock(speed)
        env = {
            **clock.env(),
            "BRANCHOPS_ENV": "development",
            "BRANCHOPS_API_KEYS": "{" + ",".join(f'"{v}": "{k}"' for k, v in keys.items()) + "}",
            "BRANCHOPS_JWT_SECRET": jwt_secret,
        }
        listeners = _listeners(specs)
        ports = {name: int(sock.getsockname()[1]) for name, sock in listeners.items()}
        run = DevRun(branch=branch, urls={n: f"http://127.0.0.1:{p}" for n, p in ports.items()}, api_keys=keys)
        setups = {spec.name: run_dev_setup(spec, run) for spec in specs}
        for spec in specs:
            stack.start_service(spec, listener=listeners[spec.name], env={**env, **setups[spec.name].env})
            listeners.pop(spec.name).close()  # the service holds its own copy of the socket
        stack.wait_healthy(timeout_s=ready_timeout_s)
        platform = PlatformSettings(jwt_secret=SecretStr(jwt_secret), env=Environment.DEVELOPMENT)
        manager_jwt = issue_token(platform, "dev-manager", Role.MANAGER, branch)
        _print_banner(stack, ports, keys, manager_jwt, setups, clock, time.monotonic() - started)
        if simulate:  # the `branchops` commands the services name to simulate a branch, as more child processes
            for spec in specs:
                if spec.simulator:
                    simulators.append(
                        _simulator(spec, stack, ports[spec.name], keys, branch=branch, speed=speed, clock=clock)
                    )
                    simulators[-1].start()
        while not stop.is_set():
            for name, (proc, _) in stack.services.items():
                if not proc.alive():
                    print(f"service {name} exited; its log:\n{proc.tail()}", flush=True)
                    stop.set()
            for simulator in [s for s in simulators if not s.alive()]:
                if simulator.exit_code == 0:
                    print(f"{simulator.name} finished its work; the services run on", flush=True)
                else:
                    print(f"{simulator.name} stopped; the services run on. Its log:\n{simulator.tail(10)}", flush=True)
                simulators.remove(simulator)
            stop.wait(1.0)
        print("stopping…", flush=True)
        return 0
    finally:
        for simulator in simulators:
            simulator.stop()
        stack.stop()
        print("stopped: no process left behind", flush=True)


def _listeners(specs: tuple[ServiceDescriptor, ...]) -> dict[str, socket.socket]:
    """Each service's port bound for it before any starts: its default port when free, else a free one. The
    services are told each other's addresses from these, and each listens on the socket it is handed
    (no window between choosing a port and binding it in which another program could take it)."""
    bound: dict[str, socket.socket] = {}
    try:
        for spec in specs:
            bound[spec.name] = reserve_port("127.0.0.1", spec.default_port)
    except OSError:
        for sock in bound.values():
            sock.close()
        raise
    return bound


def _simulator(
    spec: ServiceDescriptor,
    stack: DevStack,
    port: int,
    keys: dict[str, str],
    *,
    branch: str,
    speed: float,
    clock: Clock,
) -> ManagedProcess:
    """``branchops <spec.simulator>`` with its placeholders filled in (see ServiceDescriptor.simulator)."""
    values = {
        "branch": branch,
        "speed": str(speed),
        "minutes": str(SIMULATED_DAYS * BRANCH_DAY_MIN),
        "url": f"http://127.0.0.1:{port}",
        "redis_url": str(stack.redis_url),
        "kafka": stack.kafka_bootstrap,
        **{f"{name}_url": f"http://127.0.0.1:{p}" for name, (_, p) in stack.services.items()},
        **{f"key_{role}": key for role, key in keys.items()},
    }
    try:
        args = [arg.format(**values) for arg in spec.simulator]
        secrets_env = {name: value.format(**values) for name, value in spec.simulator_env}
    except (KeyError, IndexError, ValueError) as exc:
        raise ValueError(f"service {spec.name}: simulator arguments {spec.simulator}: bad placeholder {exc}") from exc
    name = f"{spec.name}-simulator"
    argv = [sys.executable, "-m", "branchops.cli", *args]
    env = {**os.environ, **clock.env(), **secrets_env}  # keys by environment: a command line shows in ps
    return ManagedProcess(name, argv, log_path=stack.log_dir / f"{name}.log", env=env)


def _print_banner(
    stack: DevStack,
    ports: dict[str, int],
    keys: dict[str, str],
    jwt: str,
    setups: dict[str, DevSetup],
    clock: Clock,
    took: float,
) -> None:
    lines = [f"BranchOps is up in {took:.1f} s (logs: {stack.log_dir})", ""]
    branch_now = clock.now().astimezone(BRANCH_ZONE)
    lines += [
        f"  Branch time {branch_now:%Y-%m-%d %H:%M} ({BRANCH_ZONE.key}; the day opened at {OPENS_AT:%H:%M}), "
        f"{clock.speed:g}x the wall clock: every service, the simulator and the pages share this clock",
        "",
    ]
    for setup in setups.values():
        if setup.banner:
            lines += [*setup.banner, ""]
    for name, port in ports.items():
        lines.append(f"  {name:<9} http://127.0.0.1:{port}   (docs: http://127.0.0.1:{port}/docs)")
    own_redis = " (this run's own, memory only)" if stack.local_redis is not None else " (REDIS_URL)"
    lines += [
        "",
        f"  kafka     {stack.kafka_bootstrap} ({_broker_name(stack)}, this run only)",
        f"  redis     {stack.redis_url}{own_redis}",
    ]
    if stack.database_url:
        if stack.postgres is None:  # someone else's server: its password is not ours to print
            lines.append(f"  postgres  {redact(stack.database_url)} (external)")
        else:
            kept = "" if stack.postgres.keep else ", deleted at exit"
            lines.append(f"  postgres  {stack.database_url} (embedded, data in {stack.postgres.data_dir}{kept})")
    lines += ["", "  API keys of this run (header X-API-Key):"]
    lines += [f"    {role:<12} {key}" for role, key in keys.items()]
    lines += ["", f"  manager JWT (Authorization: Bearer …): {jwt}", "", "Ctrl-C stops everything."]
    print("\n".join(lines), flush=True)


def _broker_name(stack: DevStack) -> str:
    from branchops.devstack.kafka import KafkaBroker

    return "Apache Kafka, KRaft" if isinstance(stack.broker, KafkaBroker) else "tansu"
