"""Optimistic concurrency over HTTP: the version is the ETag; If-Match says which version a change was made on.

A branch's first configuration may be written without ``If-Match``; every later change must name the
version it was made on (``428`` without it, ``412`` when it is not the current one). ``If-Match: *`` matches
any existing version (and no absent one).
"""

from __future__ import annotations

from dataclasses import dataclass

ANY = "*"


class PreconditionRequired(Exception):
    """A change of an existing configuration without If-Match."""

    def __init__(self, current: int) -> None:
        super().__init__(f"the configuration exists (version {current}): send If-Match with its ETag")
        self.current = current


class PreconditionFailed(Exception):
    """If-Match names a version that is not the current one."""

    def __init__(self, current: int | None, wanted: str) -> None:
        where = (
            f"the current version is {current} (ETag {etag(current)})" if current else "there is no configuration yet"
        )
        super().__init__(f"If-Match {wanted} does not match: {where}")
        self.current = current


@dataclass(frozen=True)
class IfMatch:
    """A parsed ``If-Match`` header: ``any`` (``*``) or the versions it lists (weak or unparseable tags match
    nothing)."""

    raw: str
    any: bool
    versions: frozenset[int]


def etag(version: int) -> str:
    return f'"{version}"'


def parse_if_match(header: str | None) -> IfMatch | None:
    if header is None or not header.strip():
        return None
    tags = [tag.strip() for tag in header.split(",") if tag.strip()]
    versions = set()
    for tag in tags:
        # strong comparison (RFC 9110 13.1.1): a weak tag W/"3" matches nothing
        inner = tag[1:-1] if len(tag) >= 2 and tag[0] == tag[-1] == '"' else ""
        if inner.isdigit():
            versions.add(int(inner))
    return IfMatch(header.strip(), ANY in tags, frozenset(versions))


def check(current: int | None, if_match: IfMatch | None) -> None:
    """Raise unless a change may be made on top of version ``current`` (None: nothing stored yet)."""
    if if_match is None:
        if current is not None:
            raise PreconditionRequired(current)
        return
    if current is None or not (if_match.any or current in if_match.versions):
        raise PreconditionFailed(current, if_match.raw)
