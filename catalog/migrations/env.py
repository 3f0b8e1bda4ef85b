"""Alembic environment: the engine comes from Kataloh (``kataloh init``), not from an ini file."""

from alembic import context

from catalog.db import Base
from catalog import models_all  # noqa: F401  (registers every table)

target_metadata = Base.metadata
engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
