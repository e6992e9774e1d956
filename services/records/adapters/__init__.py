"""Adapters of the records service: PostgreSQL (SQLAlchemy Core on asyncpg), migrations, the outbox relay."""
