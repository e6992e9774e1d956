"""HTTP routes of the queue service."""
