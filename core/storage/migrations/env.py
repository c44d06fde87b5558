"""Alembic environment: runs migrations on the engine handed over by `core.storage.db.migrate`."""

from alembic import context

from core.storage.db import make_engine, metadata

config = context.config
engine = config.attributes.get("engine") or make_engine()

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
