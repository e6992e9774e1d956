"""The in-process apps of tests/security, shared with the fuzzers."""

from tests.security.conftest import migrated_database_url, runner, service_app

__all__ = ["migrated_database_url", "runner", "service_app"]
