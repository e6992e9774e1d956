"""Why a queue command was refused; the routes turn these into problem+json (status by kind, ``title``, message).

``NotFound`` is answered 404, ``Conflict`` 409, ``Invalid`` 422; a subclass keeps its kind's status and
may name itself more precisely through ``title``.
"""

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


class UnknownTicket(NotFound):
    title = "Unknown ticket"


class DayFull(Conflict):
    """The service handed out every number of the day."""

    title = "No numbers left today"


class PriorityNotAllowed(Invalid):
    """The branch's rules do not let this channel issue this priority."""

    title = "Priority not allowed"
