"""Alembic environment of the PID vault's own database (escalation_pathways.vault.schema runs it).

The caller passes an open connection in config.attributes["connection"]; the main database's environment
is migrations/env.py and never sees these tables.
"""

from alembic import context

from escalation_pathways.vault.store import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
