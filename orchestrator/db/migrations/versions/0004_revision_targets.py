"""Alert revisions keep their plan's reduction check (frozen at approval).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("alert_revisions", sa.Column("targets", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("alert_revisions", "targets")
