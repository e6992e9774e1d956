"""Request bodies read with a hard byte limit: refused with 413 problem+json as soon as they pass it,
never buffered past it (a declared ``Content-Length`` over the limit is refused before reading).

``read_body`` gives the bytes, ``read_json_body`` the parsed JSON; ``JsonBody`` is the route dependency
for a JSON body within the app's limit (``create_service_app(max_body_bytes=...)``). Services whose
clients expect other titles (KYC uploads, the gateway's relays) pass their own ``too_large`` problem.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request

from branchops.web.problems import Problem

TooLarge = Callable[[int, str | None], Problem]
"""The 413 problem for a body over ``limit`` bytes; ``declared`` is the Content-Length that was over it, or
None when the body passed the limit while being read."""
Malformed = Callable[[ValueError], Problem]
"""The problem for a body that is not JSON (the parser's error in hand)."""


def payload_too_large(limit: int, declared: str | None) -> Problem:
    return Problem(413, "Payload too large", f"the body may be at most {limit} bytes")


def malformed_json(error: ValueError) -> Problem:
    return Problem(400, "Malformed JSON", str(error)[:200])


async def read_body(request: Request, limit: int, *, too_large: TooLarge = payload_too_large) -> bytes:
    """The request body, refused with ``too_large`` once it passes ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large(limit, declared)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large(limit, None)
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json_body(
    request: Request, limit: int, *, too_large: TooLarge = payload_too_large, malformed: Malformed = malformed_json
) -> Any:
    """The request's JSON (any JSON value), read with ``read_body``; ``malformed`` when it does not parse."""
    data = await read_body(request, limit, too_large=too_large)
    try:
        return json.loads(data)
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError alike
        raise malformed(error) from None


async def json_body(request: Request) -> Any:
    """Dependency: the request's JSON within the app's ``max_body_bytes`` (413, 400 problem+json)."""
    limit: int = request.app.state.max_body_bytes
    return await read_json_body(request, limit)


JsonBody = Annotated[Any, Depends(json_body)]
