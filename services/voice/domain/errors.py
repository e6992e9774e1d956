"""What the voice use cases refuse; each route says how its protocol answers it (HTTP 404, WebSocket close)."""

from __future__ import annotations


class SessionNotFound(LookupError):
    """The conversation ended or expired (or never was)."""
