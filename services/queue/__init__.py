"""Queue service."""
