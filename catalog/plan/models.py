"""Yearly plan targets, one row per (year, indicator, department)."""

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from catalog.db import Base
from catalog.models import utcnow


class PlanTarget(Base):
    """A yearly target for one indicator; ``department`` is "" for the whole library."""

    __tablename__ = "plan_targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    indicator: Mapped[str] = mapped_column(String(32))
    department: Mapped[str] = mapped_column(String(64), default="")
    target: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(String(80), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("year", "indicator", "department", name="uq_plan_target"),)
