"""Inspection evidence: CEMS outlet readings (one per enterprise, outlet, pollutant and hour) and
truck gate passages (one per site, plate and moment).

Revision ID: 0032
Revises: 0031
"""

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cems_readings",
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("outlet", sa.String(length=100), nullable=False),
        sa.Column("pollutant", sa.String(length=8), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("concentration", sa.Float(), nullable=False),
        sa.Column("flow", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint(
            "uscc", "outlet", "pollutant", "hour", name=op.f("pk_cems_readings")
        ),
    )
    op.create_index("ix_cems_readings_hour", "cems_readings", ["hour"])
    op.create_table(
        "gate_passages",
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("plate", sa.String(length=20), nullable=False),
        sa.Column("passed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("uscc", "plate", "passed_at", name=op.f("pk_gate_passages")),
    )
    op.create_index("ix_gate_passages_at", "gate_passages", ["passed_at"])


def downgrade() -> None:
    op.drop_index("ix_gate_passages_at", table_name="gate_passages")
    op.drop_table("gate_passages")
    op.drop_index("ix_cems_readings_hour", table_name="cems_readings")
    op.drop_table("cems_readings")
