"""Redis state helpers shared by the services."""

from branchops.state.client import create_redis, create_redis_cluster, is_cluster_url, redis_ready
from branchops.state.keys import branch_key, global_key

__all__ = [
    "branch_key",
    "create_redis",
    "create_redis_cluster",
    "global_key",
    "is_cluster_url",
    "redis_ready",
]
