"""Redis state helpers shared by the services."""

from branchops.state.client import create_redis, redis_ready
from branchops.state.keys import branch_key, global_key

__all__ = ["branch_key", "create_redis", "global_key", "redis_ready"]
