"""Alembic environment: run with the connection anpo hands over (see anpo.store.migrate)."""

from __future__ import annotations

from alembic import context

from anpo.store.db import Base

config = context.config
connection = config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
