"""The measures a regional hint adds (a 调度令's 驻厂监管, 协商减排 …): written into the notices of
the alerts its window binds.

Revision ID: 0025
Revises: 0024
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("regional_hints", sa.Column("measures", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("regional_hints") as batch:
        batch.drop_column("measures")
