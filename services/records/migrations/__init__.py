"""Alembic migrations of the records database (run at start by services/records/adapters/migrate.py)."""
