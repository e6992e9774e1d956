"""HTTP routes of the records service."""
