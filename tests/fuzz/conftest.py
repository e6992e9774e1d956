"""The in-process apps of tests/security, shared with the fuzzers."""

from tests.security.conftest import runner, service_app

__all__ = ["runner", "service_app"]
