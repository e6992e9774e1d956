"""Request bodies read with a hard byte limit: refused with 413 problem+json as soon as they pass it,
never buffered past it (a declared ``Content-Length`` over the limit is refused before reading).

``read_body`` gives the bytes, ``read_json_body`` the parsed JSON (at most ``MAX_JSON_DEPTH`` levels of
arrays and objects deep); ``JsonBody`` is the route dependency for a JSON body within the app's limit
(``create_service_app(max_body_bytes=...)``). Services whose clients expect other titles (KYC uploads, the
gateway's relays) pass their own ``too_large`` problem.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request

from branchops.web.problems import Problem

MAX_JSON_DEPTH = 32
"""Arrays and objects a JSON body may nest (the deepest real body, a staffing instance, has 4)."""

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


def too_deep(max_depth: int) -> Problem:
    return Problem(
        400, "JSON nested too deeply", f"at most {max_depth} levels of arrays and objects", reason="json_too_deep"
    )


def json_depth(value: Any) -> int:
    """Levels of arrays and objects in a parsed JSON value (0 for a scalar), counted without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


async def read_json_body(
    request: Request,
    limit: int,
    *,
    too_large: TooLarge = payload_too_large,
    malformed: Malformed = malformed_json,
    max_depth: int = MAX_JSON_DEPTH,
) -> Any:
    """The request's JSON (any JSON value), read with ``read_body``; ``malformed`` when it does not parse,
    400 ``json_too_deep`` when arrays and objects nest deeper than ``max_depth`` (code that walks the value
    recursively, pydantic and ours, would hit Python's recursion limit and answer 500)."""
    data = await read_body(request, limit, too_large=too_large)
    try:
        value = json.loads(data)
    except RecursionError:
        raise too_deep(max_depth) from None
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError alike
        raise malformed(error) from None
    if json_depth(value) > max_depth:
        raise too_deep(max_depth)
    return value


async def json_body(request: Request) -> Any:
    """Dependency: the request's JSON within the app's ``max_body_bytes`` (413, 400 problem+json)."""
    limit: int = request.app.state.max_body_bytes
    return await read_json_body(request, limit)


JsonBody = Annotated[Any, Depends(json_body)]
