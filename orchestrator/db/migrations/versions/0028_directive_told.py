"""When a city's duty officers were told of a 调度令 it received (on its notify channels).

Revision ID: 0028
Revises: 0027
"""

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "received_directives", sa.Column("told_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("received_directives") as batch:
        batch.drop_column("told_at")
