"""Voice service."""
