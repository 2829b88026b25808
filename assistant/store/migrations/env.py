"""Alembic environment: the engine comes from `Database.alembic_config()`, so there is no ini file
and one migration history serves SQLite and PostgreSQL."""

from alembic import context

from assistant.store.tables import Base

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
