"""The devstack starts real servers and leaves no process behind, even when its parent is killed."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from branchops.contracts import ALL_TOPICS, all_topic_names
from branchops.devstack import (
    DevStack,
    EmbeddedPostgres,
    TansuBroker,
    database_answers,
    find_or_start_postgres,
    redis_answers,
)
from branchops.devstack.broker import run_blocking
from branchops.devstack.postgres import SYSTEM_USER
from branchops.devstack.process import port_open
from branchops.plugins import load_services


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead for our purposes
        with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:
            return stat.read().split()[2] != "Z"
    except OSError:
        return False


def _gone(pid: int, timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


async def _topics(bootstrap: str) -> list[str]:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return list(await admin.list_topics())
    finally:
        await admin.close()


def test_starts_broker_with_every_topic_and_its_own_redis_then_stops_both(tmp_path: Path) -> None:
    stack = DevStack(log_dir=tmp_path, redis_url="redis://127.0.0.1:1/0")  # nothing answers there
    stack.start()
    try:
        assert stack.local_redis is not None, "no Redis answered, so the stack started its own"
        assert stack.redis_url and redis_answers(stack.redis_url)
        assert set(all_topic_names()) <= set(run_blocking(lambda: _topics(stack.kafka_bootstrap)))
        pids = [stack.broker.process.pid, stack.local_redis.process.pid]  # type: ignore[union-attr]
        assert all(pid and _alive(pid) for pid in pids)
        host, port = stack.kafka_bootstrap.split(":")
        assert host == "127.0.0.1" and port_open(host, int(port))
    finally:
        stack.stop()
    assert all(_gone(pid) for pid in pids if pid)  # type: ignore[misc]


def test_uses_a_redis_that_answers(tmp_path: Path, redis_url: str) -> None:
    with DevStack(log_dir=tmp_path, redis_url=redis_url) as stack:
        assert stack.local_redis is None and stack.redis_url == redis_url


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")
def test_children_die_with_a_killed_parent(tmp_path: Path, database_url: str) -> None:
    script = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from branchops.devstack import DevStack
        stack = DevStack(log_dir=Path({str(tmp_path)!r}), redis_url="redis://127.0.0.1:1/0",
                         database_url={database_url!r}).start()
        print(stack.broker.process.pid, stack.local_redis.process.pid, flush=True)
        time.sleep(600)
    """)
    parent = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2]
    )
    try:
        line = parent.stdout.readline()  # type: ignore[union-attr]
        pids = [int(p) for p in line.split()]
        assert len(pids) == 2 and all(_alive(p) for p in pids)
        parent.send_signal(signal.SIGKILL)  # no cleanup code runs in the parent
        parent.wait(10)
        assert all(_gone(p) for p in pids), "broker and Redis must not outlive their parent"
    finally:
        if parent.poll() is None:
            parent.kill()


# --- PostgreSQL ------------------------------------------------------------------------------------


def _server_pid(data_dir: Path) -> int:
    return int((data_dir / "postmaster.pid").read_text().split()[0])


def test_embedded_postgres_starts_fast_answers_and_is_gone_after_stop(tmp_path: Path) -> None:
    server = EmbeddedPostgres(log_dir=tmp_path)
    server.start()
    try:
        assert server.started_in_s is not None and server.started_in_s < 15, server.started_in_s
        assert database_answers(server.url)
        assert server.url.startswith("postgresql://postgres:") and "@127.0.0.1:" in server.url
        assert not database_answers(server.url.replace(server.password, "wrong")), "password authentication"
        pid = server.process.pid  # type: ignore[union-attr]
        assert pid and _alive(pid)
        if os.geteuid() == 0:  # PostgreSQL refuses root: the server runs as its own system user
            assert Path(f"/proc/{pid}").stat().st_uid == pwd.getpwnam(SYSTEM_USER).pw_uid
        data_dir = server.data_dir
    finally:
        server.stop()
    assert _gone(pid) and not data_dir.exists(), "a throw-away server leaves no data behind"


@pytest.fixture
def reachable_dir() -> Iterator[Path]:
    """A folder the server's system user may enter (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="branchops-pgtest-"))
    folder.chmod(0o711)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_a_data_folder_the_server_cannot_reach_is_refused_with_the_reason(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("only root hands the server to another user")
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    with pytest.raises(RuntimeError, match=rf"system user '{SYSTEM_USER}', which may not enter .*private"):
        EmbeddedPostgres(log_dir=tmp_path, data_dir=private / "data").start()


def test_embedded_postgres_keeps_its_data_folder_between_runs(tmp_path: Path, reachable_dir: Path) -> None:
    data_dir = reachable_dir / "pgdata"
    first = EmbeddedPostgres(log_dir=tmp_path, data_dir=data_dir)
    first.start()
    try:
        run_blocking(lambda: _sql(first.url, "CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)"))
    finally:
        first.stop()
    second = EmbeddedPostgres(log_dir=tmp_path, data_dir=data_dir)
    second.start()
    try:
        assert second.password == first.password
        assert run_blocking(lambda: _sql(second.url, "SELECT n FROM kept")) == 42
    finally:
        second.stop()
    assert (data_dir / "PG_VERSION").exists()


async def _sql(url: str, statement: str) -> object:
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        return (
            await connection.fetchval(statement)
            if statement.startswith("SELECT")
            else await connection.execute(statement)
        )
    finally:
        await connection.close()


def test_a_given_database_url_is_used_and_one_that_does_not_answer_is_named(tmp_path: Path, database_url: str) -> None:
    url, server = find_or_start_postgres(log_dir=tmp_path, url=database_url)
    assert server is None and url == database_url
    with pytest.raises(RuntimeError, match=r"no PostgreSQL session at postgresql://postgres:\*\*\*@127\.0\.0\.1:1/x"):
        find_or_start_postgres(log_dir=tmp_path, url="postgresql://postgres:secret@127.0.0.1:1/x")


def test_the_stack_hands_the_database_to_services_that_keep_state_in_it(
    tmp_path: Path, redis_url: str, database_url: str
) -> None:
    with DevStack(log_dir=tmp_path, redis_url=redis_url, database_url=database_url) as stack:
        env = stack.env()
        for spec in load_services():
            assert env.get(f"{spec.env_prefix}_DATABASE_URL") == (database_url if spec.database else None), spec.name
        assert stack.postgres is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")
def test_embedded_postgres_dies_with_a_killed_parent(tmp_path: Path, reachable_dir: Path) -> None:
    script = textwrap.dedent(f"""
        import time
        from pathlib import Path
        from branchops.devstack import EmbeddedPostgres
        server = EmbeddedPostgres(log_dir=Path({str(tmp_path)!r}), data_dir=Path({str(reachable_dir / "data")!r}))
        server.start()
        print(server.process.pid, flush=True)
        time.sleep(600)
    """)
    parent = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2]
    )
    try:
        pid = int(parent.stdout.readline())  # type: ignore[union-attr]
        assert _alive(pid)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        assert _gone(pid), "PostgreSQL must not outlive its parent"
    finally:
        if parent.poll() is None:
            parent.kill()


async def _cleanup_policy(bootstrap: str, topic: str) -> str | None:
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        responses = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    finally:
        await admin.close()
    for resource in responses[0].resources:
        for entry in resource[4]:
            if entry[0] == "cleanup.policy":
                return str(entry[1])
    return None


def test_compacted_topics_are_created_compacted(session_broker: TansuBroker) -> None:
    compacted = [t for t in ALL_TOPICS if t.compacted]
    assert compacted, "branch-config.v1 is compacted (DESIGN.md section 3)"
    for topic in compacted:
        assert run_blocking(lambda t=topic: _cleanup_policy(session_broker.bootstrap, t.name)) == "compact"
        assert run_blocking(lambda t=topic: _cleanup_policy(session_broker.bootstrap, t.dlq)) != "compact"


@pytest.mark.skipif(os.geteuid() != 0, reason="only root hands the server to another user")
def test_embedded_postgres_runs_from_a_private_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A clone in ``mktemp -d`` (0700) holds the wheel where the server's system user may not enter: the
    build is copied where it can, and the server starts."""
    from branchops.devstack import postgres

    installed = postgres.binaries().parent.parent  # embedded_postgres/
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    shutil.copytree(installed, private / installed.name, symlinks=True)
    shutil.copytree(installed.parent / f"{installed.name}.libs", private / f"{installed.name}.libs", symlinks=True)
    monkeypatch.setattr(postgres, "binaries", lambda: private / installed.name / "pginstall" / "bin")
    server = postgres.EmbeddedPostgres(log_dir=tmp_path / "log")
    server.start()
    try:
        assert postgres.database_answers(server.url)
    finally:
        server.stop()
