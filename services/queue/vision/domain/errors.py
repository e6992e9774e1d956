"""Why a camera command was refused; the camera routes turn these into problem+json."""

from __future__ import annotations


class TooManyCameras(ValueError):
    """This instance runs its most cameras already (409)."""
