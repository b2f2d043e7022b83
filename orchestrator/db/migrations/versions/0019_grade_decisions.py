"""Grade decisions: an enterprise's performance grade decided between list revisions.

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "grade_decisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("region_code", sa.String(6), nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("grade", sa.String(8), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
    )
    op.create_index("ix_grade_decisions_uscc", "grade_decisions", ["region_code", "uscc"])


def downgrade() -> None:
    op.drop_index("ix_grade_decisions_uscc", table_name="grade_decisions")
    op.drop_table("grade_decisions")
