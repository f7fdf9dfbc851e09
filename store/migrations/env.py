"""Alembic environment: run against the connection the Store hands over (see store/db.py)."""
from alembic import context

from callscore.store.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite")  # SQLite alters tables by copy
with context.begin_transaction():
    context.run_migrations()
