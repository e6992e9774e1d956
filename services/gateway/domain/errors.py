"""What the gateway's calls to the services fail with; routes/deps.py says which problem+json answers each."""

from __future__ import annotations


class UpstreamError(Exception):
    """A service behind the gateway did not answer (HTTP 502/504, never a hang)."""

    def __init__(self, service: str, message: str) -> None:
        super().__init__(message)
        self.service = service


class UpstreamTimeout(UpstreamError):
    def __init__(self, service: str) -> None:
        super().__init__(service, f"the {service} service did not answer in time")


class UpstreamUnavailable(UpstreamError):
    def __init__(self, service: str, cause: str) -> None:
        super().__init__(service, f"the {service} service is unreachable ({cause})")
        self.cause = cause
