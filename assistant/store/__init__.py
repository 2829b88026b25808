"""Persistence: SQLAlchemy 2 models, one Alembic history for SQLite and PostgreSQL, repositories."""

from assistant.store.db import Database

__all__ = ["Database"]
