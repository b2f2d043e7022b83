"""Coverage runs: each comparison of the emission list with a registry, with its findings.

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coverage_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("region_code", sa.String(6), nullable=False),
        sa.Column("registry", sa.String(16), nullable=False),
        sa.Column("list_revision", sa.Integer(), nullable=False),
        sa.Column("ran_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ran_by", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("holders", sa.Integer(), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
    )
    op.create_index("ix_coverage_runs_registry", "coverage_runs", ["region_code", "registry", "id"])


def downgrade() -> None:
    op.drop_index("ix_coverage_runs_registry", table_name="coverage_runs")
    op.drop_table("coverage_runs")
