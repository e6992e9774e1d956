"""Application logic of the records service."""
