"""Who is telling a city's duty officers of a 调度令 received, and since when: a lease claimed
before sending, so that of two processes (two schedulers, a scheduler and the province's
hand-over) only one sends.

Revision ID: 0031
Revises: 0030
"""

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "received_directives", sa.Column("telling_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("received_directives") as batch:
        batch.drop_column("telling_at")
