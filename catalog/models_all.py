"""Import every model module so that Alembic and ``Base.metadata`` see all tables."""

from catalog import models  # noqa: F401
