"""Apache Kafka (KRaft) for the dev stack and the tests, from pinned Maven artifacts.

The server jars (``org.apache.kafka:kafka_2.13`` and what it needs, pinned in ``kafka/pom.xml`` beside this
file) are resolved once by Maven (``mvn dependency:copy-dependencies``) into
``~/.cache/branchops/kafka-<version>/libs`` (``BRANCHOPS_KAFKA_CACHE`` overrides the folder) and checked
there before every use; nothing else is downloaded. Needs Java 17+ and Maven on ``PATH``.

* :class:`KafkaBroker`: one combined broker+controller node (``process.roles=broker,controller``), the
  drop-in for :class:`~branchops.devstack.broker.TansuBroker` (same ``bootstrap``/``start``/``stop``/``kill``
  and ``process``), with replication 1.
* :class:`KafkaCluster`: three combined broker+controller nodes that form one KRaft quorum (a static voter
  set of 3: any one node may die, the other two keep the quorum and the partitions' ISR), topics with
  replication 3 and ``min.insync.replicas=2``.

Every node listens on free loopback ports (a client port and a controller port), its storage is formatted
for the run (``kafka.tools.StorageTool format``) in a folder that :meth:`stop` deletes, and it is a
:class:`~branchops.devstack.process.ManagedProcess` that dies with its parent. A node is ready when a
metadata request through it answers with every broker of the cluster.

Capabilities the clients key on (tansu has neither): ``supports_idempotence`` (InitProducerId: the idempotent
producer) and ``supports_offsets_for_times`` (ListOffsets by timestamp); see :func:`broker_capabilities`.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from aiokafka.admin import NewTopic

from branchops.bus.admin import create_topics, topic_specs
from branchops.devstack.broker import TansuBroker, run_blocking
from branchops.devstack.process import ManagedProcess, free_port

POM = Path(__file__).with_name("kafka") / "pom.xml"


def kafka_version() -> str:
    """The pinned version: ``kafka.version`` of ``kafka/pom.xml``."""
    found = re.search(r"<kafka\.version>([^<]+)</kafka\.version>", POM.read_text())
    if not found:
        raise RuntimeError(f"no <kafka.version> in {POM}")
    return found.group(1).strip()


KAFKA_VERSION = kafka_version()


class KafkaUnavailable(RuntimeError):
    """Java or Maven is missing, or Maven could not resolve the pinned artifacts."""


def cache_dir(version: str = KAFKA_VERSION) -> Path:
    base = os.environ.get("BRANCHOPS_KAFKA_CACHE")
    root = Path(base) if base else Path.home() / ".cache" / "branchops"
    return root / f"kafka-{version}"


def missing_tools() -> str | None:
    """Why Apache Kafka cannot run here (a skip reason), or None when Java and Maven are both on PATH."""
    missing = [tool for tool in ("java", "mvn") if shutil.which(tool) is None]
    if missing:
        return f"Apache Kafka needs Java 17+ and Maven on PATH; missing: {', '.join(missing)}"
    return None


def _listed(folder: Path) -> list[Path] | None:
    """The jars the manifest of a finished resolution lists, when every one of them is present."""
    manifest = folder / "jars.txt"
    if not manifest.is_file():
        return None
    jars = [folder / "libs" / name for name in manifest.read_text().split()]
    if not jars or not all(jar.is_file() and jar.stat().st_size > 0 for jar in jars):
        return None
    if not any(jar.name.startswith("kafka_2.13-") for jar in jars):
        return None
    return jars


def kafka_jars(version: str = KAFKA_VERSION) -> list[Path]:
    """The server's class path: resolved by Maven from ``kafka/pom.xml`` into :func:`cache_dir` on first use
    (under a file lock: test sessions may ask at once), verified present on every call."""
    folder = cache_dir(version)
    jars = _listed(folder)
    if jars is not None:
        return jars
    reason = missing_tools()
    if reason:
        raise KafkaUnavailable(reason)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        jars = _listed(folder)
        if jars is not None:
            return jars
        staging = folder / f"libs.{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        argv = [
            "mvn",
            "-q",
            "-B",
            "-f",
            str(POM),
            f"-Dkafka.version={version}",
            "dependency:copy-dependencies",
            f"-DoutputDirectory={staging}",
            "-DincludeScope=runtime",
        ]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=900, check=False)
        if done.returncode != 0:
            shutil.rmtree(staging, ignore_errors=True)
            raise KafkaUnavailable(f"mvn could not resolve Kafka {version}:\n{(done.stdout + done.stderr)[-3000:]}")
        shutil.rmtree(folder / "libs", ignore_errors=True)
        staging.rename(folder / "libs")
        names = sorted(p.name for p in (folder / "libs").glob("*.jar"))
        (folder / "jars.txt").write_text("\n".join(names) + "\n")
        jars = _listed(folder)
        if jars is None:
            raise KafkaUnavailable(f"Kafka {version}: Maven finished but {folder / 'libs'} lacks the server jar")
        return jars


LOG4J2 = """\
status = warn
appender.out.type = Console
appender.out.name = out
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.out.ref = out
logger.server.name = kafka.server.KafkaRaftServer
logger.server.level = INFO
"""

JVM_OPTIONS = [
    "-Xms64m",
    "-Xmx512m",
    "-XX:+UseSerialGC",  # one core's worth of GC: the machine has two, shared with the tests
    "-XX:TieredStopAtLevel=1",  # C1 only: starts in about half the CPU time; plenty for dev and test loads
    "-XX:+ExitOnOutOfMemoryError",
    "-Djava.awt.headless=true",
]
"""The JVM's options; ``BRANCHOPS_KAFKA_JVM_OPTS`` (space separated) come after them and win (a benchmark
may want ``-XX:TieredStopAtLevel=4 -Xmx1g``)."""


def jvm_options() -> list[str]:
    return [*JVM_OPTIONS, *os.environ.get("BRANCHOPS_KAFKA_JVM_OPTS", "").split()]


def broker_capabilities(broker: object) -> tuple[bool, bool]:
    """(idempotent producer, offsets for times) of a dev broker: Apache Kafka has both, tansu neither."""
    return (
        bool(getattr(broker, "supports_idempotence", False)),
        bool(getattr(broker, "supports_offsets_for_times", False)),
    )


@dataclass
class _Node:
    node_id: int
    port: int
    controller_port: int
    folder: Path
    process: ManagedProcess


class KafkaCluster:
    """``size`` combined broker+controller nodes in one KRaft quorum (1: a single node, 3: a cluster)."""

    supports_idempotence = True
    supports_offsets_for_times = True
    kind = "kafka"

    def __init__(
        self,
        *,
        log_dir: Path,
        size: int = 3,
        port: int | None = None,
        host: str = "127.0.0.1",
        num_partitions: int = 3,
    ) -> None:
        if size < 1:
            raise ValueError("a cluster has at least one node")
        self.host = host
        self.size = size
        self.log_dir = log_dir
        self.replication = min(3, size)
        self.min_insync = min(2, size)
        self.num_partitions = num_partitions
        self.cluster_id = _cluster_id()
        self.data_dir = log_dir / f"kafka-data-{uuid.uuid4().hex[:8]}"
        self.jars: list[Path] = []
        self.nodes: list[_Node] = []
        for index in range(size):
            node_id = index + 1
            client_port = port if (port and index == 0) else free_port(host)
            controller_port = free_port(host)
            folder = self.data_dir / f"node-{node_id}"
            # filled in by start(), when the class path is known; until then what a tansu argv says that a
            # test may edit (the address advertised to clients: see _apply_tansu_style_argv)
            argv = ["kafka.Kafka", "--advertised-listener-url", f"tcp://{host}:{client_port}"]
            process = ManagedProcess(f"kafka-{node_id}", argv, log_path=log_dir / f"kafka-{node_id}.log")
            self.nodes.append(_Node(node_id, client_port, controller_port, folder, process))
        self.advertised: dict[int, str] = {}  # node id -> host:port clients are told (a proxy, in fault tests)

    # the surface TansuBroker has (tests and the stack use it on either broker)
    @property
    def port(self) -> int:
        return self.nodes[0].port

    @property
    def process(self) -> ManagedProcess:
        return self.nodes[0].process

    @property
    def bootstrap(self) -> str:
        return ",".join(f"{self.host}:{node.port}" for node in self.nodes)

    def _properties(self, node: _Node) -> str:
        voters = ",".join(f"{n.node_id}@{self.host}:{n.controller_port}" for n in self.nodes)
        advertised = self.advertised.get(node.node_id, f"{self.host}:{node.port}")
        settings = {
            "process.roles": "broker,controller",
            "node.id": node.node_id,
            "controller.quorum.voters": voters,
            "listeners": f"PLAINTEXT://{self.host}:{node.port},CONTROLLER://{self.host}:{node.controller_port}",
            "advertised.listeners": f"PLAINTEXT://{advertised}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs": node.folder / "data",
            "metadata.log.dir": node.folder / "meta",
            "num.partitions": self.num_partitions,
            "default.replication.factor": self.replication,
            "min.insync.replicas": self.min_insync,
            "offsets.topic.replication.factor": self.replication,
            "offsets.topic.num.partitions": 2,  # few partitions: a restart recovers them in a moment
            "transaction.state.log.replication.factor": self.replication,
            "transaction.state.log.min.isr": self.min_insync,
            "transaction.state.log.num.partitions": 2,
            "share.coordinator.state.topic.replication.factor": self.replication,
            "share.coordinator.state.topic.min.isr": self.min_insync,
            "auto.create.topics.enable": "true",
            "group.initial.rebalance.delay.ms": 0,
            # a node killed and started again registers anew once its old session lapsed (default 9 s)
            "broker.session.timeout.ms": 3000,
            "broker.heartbeat.interval.ms": 500,
            "group.min.session.timeout.ms": 1000,  # the tests' consumers use 2-3 s sessions
            "num.network.threads": 2,
            "num.io.threads": 4,
            "num.recovery.threads.per.data.dir": 2,
            "log.segment.bytes": 64 * 1024 * 1024,
            "log.retention.hours": 168,
            "log.message.timestamp.type": "CreateTime",
        }
        return "".join(f"{key}={value}\n" for key, value in settings.items())

    def _java(self, main: str, *args: str) -> list[str]:
        classpath = os.pathsep.join(str(jar) for jar in self.jars)
        log4j = self.data_dir / "log4j2.properties"
        return ["java", *jvm_options(), f"-Dlog4j2.configurationFile={log4j}", "-cp", classpath, main, *args]

    def _apply_tansu_style_argv(self) -> None:
        """Fault tests written for tansu point its ``--advertised-listener-url`` at a proxy by editing the
        argv before :meth:`start`; honour that edit as the node's ``advertised.listeners``."""
        for node in self.nodes:
            argv = node.process.argv
            if "--advertised-listener-url" in argv:
                url = argv[argv.index("--advertised-listener-url") + 1].split("://", 1)[-1]
                if url != f"{self.host}:{node.port}":
                    self.advertised[node.node_id] = url

    def start(self, *, partitions: int | None = None, timeout_s: float = 90.0, with_topics: bool = True) -> None:
        self.jars = kafka_jars()
        self._apply_tansu_style_argv()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / "log4j2.properties").write_text(LOG4J2)
        formats = []
        for node in self.nodes:
            node.folder.mkdir(parents=True, exist_ok=True)
            config = node.folder / "server.properties"
            config.write_text(self._properties(node))
            args = ["format", f"--cluster-id={self.cluster_id}", "-c", str(config), "--ignore-formatted"]
            formats.append(
                subprocess.Popen(
                    self._java("kafka.tools.StorageTool", *args),
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                )
            )
        for node, formatting in zip(self.nodes, formats, strict=True):
            out, _ = formatting.communicate(timeout=120)
            if formatting.returncode != 0:
                raise RuntimeError(f"kafka-{node.node_id}: storage format failed:\n{out[-3000:]}")
        for node in self.nodes:
            config = node.folder / "server.properties"
            node.process.argv = self._java("kafka.Kafka", str(config))
            node.process.start()
        self.wait_ready(timeout_s)
        if with_topics:
            self.create_topics(partitions)

    def wait_ready(self, timeout_s: float = 90.0) -> None:
        """Until a metadata request answers with every broker of the cluster (each node's client port)."""
        deadline = time.monotonic() + timeout_s
        for node in self.nodes:
            node.process.wait_for_port(self.host, node.port, max(1.0, deadline - time.monotonic()))
        last: BaseException | None = None
        while time.monotonic() < deadline:
            for node in self.nodes:
                if not node.process.alive():
                    raise RuntimeError(f"kafka-{node.node_id} exited; log:\n{node.process.tail()}")
            try:
                if run_blocking(lambda: _brokers_answering(f"{self.host}:{self.nodes[0].port}")) >= self.size:
                    return
            except Exception as exc:  # not answering yet
                last = exc
            time.sleep(0.2)
        tails = "\n".join(f"--- kafka-{n.node_id}\n{n.process.tail()}" for n in self.nodes)
        raise TimeoutError(f"Kafka not ready within {timeout_s} s ({last!r}); logs:\n{tails}")

    def topic_specs(self, partitions: int | None = None) -> list[NewTopic]:
        """Every topic of the platform, with this cluster's replication (min ISR comes from the brokers)."""
        return [
            NewTopic(s.name, s.num_partitions, self.replication, topic_configs=s.topic_configs)
            for s in topic_specs(partitions)
        ]

    def create_topics(self, partitions: int | None = None, timeout_s: float = 60.0) -> None:
        """Every topic of the platform, then until each partition has a leader and the group coordinator
        answers (Kafka creates ``__consumer_offsets`` on the first lookup): clients start on a settled
        cluster."""
        deadline = time.monotonic() + timeout_s
        specs = self.topic_specs(partitions)
        while True:
            try:
                run_blocking(lambda: create_topics(self.bootstrap, specs))
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        names = [s.name for s in specs]
        while not run_blocking(lambda: _settled(self.bootstrap, names)):
            if time.monotonic() > deadline:
                raise TimeoutError(f"Kafka topics without a leader or no group coordinator after {timeout_s} s")
            time.sleep(0.2)

    def node(self, node_id: int) -> ManagedProcess:
        return self.nodes[node_id - 1].process

    def stop(self) -> None:
        """Stop every node at once (one by one, the last would wait for a quorum that is gone), then delete
        the storage of this run."""
        with ThreadPoolExecutor(len(self.nodes)) as pool:
            for node in self.nodes:
                pool.submit(node.process.stop, 15.0)
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def kill(self) -> None:
        """Hard kill of every node (fault tests); ``process.start()`` brings node 1 back on its storage."""
        for node in self.nodes:
            node.process.kill()


class KafkaBroker(KafkaCluster):
    """A single combined broker+controller KRaft node: the drop-in for ``TansuBroker``."""

    def __init__(self, *, log_dir: Path, port: int | None = None, host: str = "127.0.0.1") -> None:
        super().__init__(log_dir=log_dir, size=1, port=port, host=host)


async def _brokers_answering(bootstrap: str) -> int:
    from aiokafka.client import AIOKafkaClient

    client = AIOKafkaClient(bootstrap_servers=bootstrap, request_timeout_ms=3000)
    try:
        await client.bootstrap()
        return len(client.cluster.brokers())
    finally:
        await client.close()


async def _settled(bootstrap: str, topics: list[str]) -> bool:
    """Every partition of ``topics`` has a leader and a group coordinator answers."""
    from aiokafka.client import AIOKafkaClient, CoordinationType

    client = AIOKafkaClient(bootstrap_servers=bootstrap, request_timeout_ms=3000)
    try:
        await client.bootstrap()
        cluster = await client.fetch_all_metadata()
        for topic in topics:
            known = cluster.partitions_for_topic(topic)
            if not known or cluster.available_partitions_for_topic(topic) != known:
                return False
        await client.coordinator_lookup(CoordinationType.GROUP, "branchops-devstack-warmup")
        return True
    except Exception:
        return False
    finally:
        await client.close()


def _cluster_id() -> str:
    """A KRaft cluster id: 16 random bytes, URL-safe base64 without padding (what ``random-uuid`` prints)."""
    import base64

    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")


def dev_broker_kind() -> str:
    """``BRANCHOPS_DEV_BROKER``: ``tansu`` (the default) or ``kafka``."""
    kind = os.environ.get("BRANCHOPS_DEV_BROKER", "tansu").strip().lower() or "tansu"
    if kind not in ("tansu", "kafka"):
        raise ValueError(f"BRANCHOPS_DEV_BROKER must be 'tansu' or 'kafka', not {kind!r}")
    return kind


def dev_broker(log_dir: Path, *, kind: str | None = None, port: int | None = None) -> TansuBroker | KafkaBroker:
    """The dev broker ``kind`` (else ``BRANCHOPS_DEV_BROKER``) names, not started: tansu or one Kafka node."""
    if (kind or dev_broker_kind()) == "kafka":
        return KafkaBroker(log_dir=log_dir, port=port)
    return TansuBroker(log_dir=log_dir, port=port)
