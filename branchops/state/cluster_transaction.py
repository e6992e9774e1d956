"""MULTI/EXEC on a Redis Cluster without blocking the event loop for every queued command.

redis-py 8.1's asyncio ``ClusterPipeline(transaction=True)`` queues each command through a *new thread* that
runs ``asyncio.run`` on it and is joined at once (``TransactionStrategy.execute_command``: "Given the
limitation of ClusterPipeline sync API, we have to run it in thread"): the service's event loop stops for a
thread start per queued command. A ticket's MULTI/EXEC queues about ten, which made the queue issue a third of
the tickets per second it issues on one Redis (``bench/redis_failover.py``'s profile: 8,282 thread starts for
2,534 tickets). What that thread computes for a queued command is only its slot (to refuse CROSSSLOT before
EXEC), which needs no I/O once the client knows the server's command table: :class:`QueuedTransaction` does
that in place and hands everything else (WATCH and the reads under it, a command whose keys only the server
can tell, a client not initialized yet) to redis-py unchanged.
"""

from __future__ import annotations

from typing import Any, cast

from redis.asyncio.cluster import ClusterPipeline, RedisCluster, TransactionStrategy


def queued_slot(cluster: RedisCluster, args: tuple[Any, ...]) -> int | None:
    """The one slot of a command's keys, told without I/O; None when it cannot be (then redis-py decides)."""
    if getattr(cluster, "_initialize", True) or not args:
        return None
    name = args[0].decode() if isinstance(args[0], bytes) else str(args[0])
    if name.upper() in ("EVAL", "EVALSHA"):
        if len(args) < 3:
            return None
        keys = list(args[3 : 3 + int(args[2])])
    else:
        table = cast(dict[str, dict[str, Any]], cluster.commands_parser.commands)
        command = table.get(name.lower())
        if command is None or "movablekeys" in command["flags"] or command["first_key_pos"] <= 0:
            return None
        first, last, step = command["first_key_pos"], command["last_key_pos"], command["step_count"]
        if last < 0:
            last = len(args) + last
        if step <= 0 or last >= len(args):
            return None
        keys = [args[p] for p in range(first, last + 1, step)]
    slots = {int(cluster.keyslot(key)) for key in keys}
    return slots.pop() if len(slots) == 1 else None


class QueuedTransaction(TransactionStrategy):
    """redis-py's transaction strategy, with the commands queued between MULTI and EXEC (or in a pipeline
    that is one MULTI/EXEC) given their slot in place instead of in a thread of their own."""

    def execute_command(self, *args: Any, **kwargs: Any) -> Any:
        queued = self._explicit_transaction or not (self._watching or args[0] in self.IMMEDIATE_EXECUTE_COMMANDS)
        slot = queued_slot(self._pipe.cluster_client, args) if queued and "target_nodes" not in kwargs else None
        if slot is None:
            return super().execute_command(*args, **kwargs)
        self._pipeline_slots.add(slot)
        return super(TransactionStrategy, self).execute_command(*args, **kwargs)  # AbstractStrategy's: queue it


class BranchOpsRedisCluster(RedisCluster):
    """``RedisCluster`` whose transactional pipelines use :class:`QueuedTransaction`."""

    def pipeline(self, transaction: Any | None = None, shard_hint: Any | None = None) -> ClusterPipeline:
        pipe = super().pipeline(transaction, shard_hint)
        if transaction:
            pipe._execution_strategy = QueuedTransaction(pipe)
        return pipe
