"""Applies the camera source policy (domain/source_policy.py) to a source set by API, resolving its host.

The lookup runs off the event loop with a bound; its addresses are what the policy judges. The reason of a
refusal goes to the log for the operator; the caller gets the policy's neutral message. A name can point
elsewhere later (DNS rebinding): configured camera networks and the worker's own neutral errors bound what
that could reach.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Awaitable, Callable

from services.queue.vision.domain.source_policy import IPAddress, SourcePolicy, SourceRefused, is_file_source

log = logging.getLogger(__name__)
LOOKUP_TIMEOUT_S = 2.0


Resolver = Callable[[str], Awaitable[list[IPAddress]]]


class SourceGuard:
    def __init__(
        self, policy: SourcePolicy, lookup_timeout_s: float = LOOKUP_TIMEOUT_S, resolve: Resolver | None = None
    ) -> None:
        """``resolve``: the host lookup (default: the system's, bounded); tests give names their addresses."""
        self.policy = policy
        self.lookup_timeout_s = lookup_timeout_s
        self.resolve = resolve or self._resolve

    async def check(self, branch_id: str, camera_id: str, source: str) -> None:
        """Raises ``SourceRefused`` (neutral message) when the source may not be used; an empty source is allowed
        (a camera configured before its stream is)."""
        if not source:
            return
        try:
            if is_file_source(source):
                self.policy.check_file(_file_path(source))
                return
            target = self.policy.live_target(source)
            addresses = [target.literal] if target.literal is not None else await self.resolve(target.host)
            self.policy.check_addresses(target, addresses)
        except SourceRefused as refused:
            log.warning("camera %s/%s: source refused: %s", branch_id, camera_id, refused.why)
            raise

    async def _resolve(self, host: str) -> list[IPAddress]:
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(
                loop.getaddrinfo(host, None, type=socket.SOCK_STREAM), timeout=self.lookup_timeout_s
            )
        except (OSError, TimeoutError, UnicodeError):
            return []
        return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


def _file_path(source: str) -> str:
    if source.lower().startswith("file://"):
        return source[len("file://") :]
    if source.lower().startswith("file:"):
        return source[len("file:") :]
    return source
