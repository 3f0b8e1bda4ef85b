"""The Alembic migrations create exactly the tables the models describe (on SQLite and PostgreSQL)."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from catalog import models_all  # noqa: F401
from catalog.db import Base, get_engine


def test_migrations_match_models(app):
    with app.app_context(), get_engine().connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == [], f"models and migrations differ: {differences}"
