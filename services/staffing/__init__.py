"""Staffing service."""
