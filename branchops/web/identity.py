"""Readiness check that a service behind an address is the one meant, and takes this deployment's credentials.

``branchops up`` once sent a run's keys to another stack that held the default ports, and stayed ready:
the callers (the gateway to its upstreams, voice to the queue) now ask ``GET /v1/whoami`` of each address
with the credential they use. The check fails when the address answers as another service, or refuses the
credential (another deployment's secret: 401/403); an address that does not answer at all is reported but
does not fail readiness (the caller works with whatever runs, its pages show the gap).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx

from branchops.web.health import ReadinessCheck

TIMEOUT_S = 2.0
Get = Callable[[str, dict[str, str]], Awaitable[httpx.Response]]


async def _get(url: str, headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient(timeout=TIMEOUT_S) as client:
        return await client.get(url, headers=headers)


def identity_check(
    service: str, base_url: str, headers: Callable[[], dict[str, str]], get: Get = _get
) -> ReadinessCheck:
    """``headers``: the credential the caller sends that service (called per check: tokens expire); ``get``:
    the caller's own HTTP client, if it has one."""
    url = base_url.rstrip("/") + "/v1/whoami"

    async def check() -> tuple[bool, str]:
        try:
            got = await get(url, headers())
        except httpx.HTTPError as exc:
            return True, f"{service} at {base_url} does not answer ({type(exc).__name__}); working without it"
        if got.status_code in (401, 403):
            return False, f"{base_url} refuses this deployment's credentials: not our {service} (another stack there?)"
        if got.status_code != 200:
            return False, f"{base_url} answers {got.status_code} to /v1/whoami: not a BranchOps {service}"
        try:
            answered = got.json().get("service")
        except ValueError:
            answered = None
        if answered != service:
            return False, f"{base_url} answers as {answered!r}, not {service!r}"
        return True, f"{service} at {base_url} takes our credentials"

    return check
