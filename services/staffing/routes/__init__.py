"""HTTP routes of the staffing service."""
