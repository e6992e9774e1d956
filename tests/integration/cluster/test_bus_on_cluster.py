"""The consumer suite (dedup scripts per partition batch, retries, dead letters) on the Redis Cluster."""

from tests.integration.test_bus import *  # noqa: F403
