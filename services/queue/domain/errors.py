"""Why a queue command was refused (the handlers turn these into problem+json)."""

from __future__ import annotations


class QueueError(Exception):
    title = "Refused"


class NotFound(QueueError):
    title = "Not found"


class Conflict(QueueError):
    """The request is well-formed but the current state does not allow it (409)."""

    title = "Conflict with the current state"


class Invalid(QueueError):
    """The request contradicts itself or the rules, whatever the state (422)."""

    title = "Invalid request"
