"""A city's requests to lift a 调度令 early (请示), each a document of its own numbered in the
city's yearly sequence, kept every one.

Revision ID: 0030
Revises: 0029
"""

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lift_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("province", sa.String(length=6), nullable=False),
        sa.Column("ref", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("number", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.Text(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lift_requests")),
        sa.UniqueConstraint("year", "seq", name="uq_lift_requests_seq"),
    )
    op.create_index("ix_lift_requests_order", "lift_requests", ["province", "ref"])


def downgrade() -> None:
    op.drop_index("ix_lift_requests_order", table_name="lift_requests")
    op.drop_table("lift_requests")
