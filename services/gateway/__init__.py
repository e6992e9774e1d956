"""Gateway service."""
