"""Import every model module so that Alembic and ``Base.metadata`` see all tables."""

from catalog import models  # noqa: F401
from catalog.acquisitions import models as acquisitions_models  # noqa: F401
from catalog.plan import models as plan_models  # noqa: F401
