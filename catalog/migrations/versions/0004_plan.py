"""plan: yearly targets of the plan indicators

Revision ID: 0004_plan
Revises: 0001_foundation
Create Date: 2026-11-26 23:59:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_plan"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(length=32), nullable=False),
        sa.Column("department", sa.String(length=64), nullable=False),
        sa.Column("target", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("year", "indicator", "department", name="uq_plan_target"),
    )


def downgrade() -> None:
    op.drop_table("plan_targets")
