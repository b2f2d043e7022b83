"""The long-running processes' sign of life: ``process_beats`` (delivery workers, schedulers).

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "process_beats",
        sa.Column("process", sa.String(16), nullable=False),
        sa.Column("runner", sa.String(120), nullable=False),
        sa.Column("beat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("process", "runner", name="pk_process_beats"),
    )


def downgrade() -> None:
    op.drop_table("process_beats")
