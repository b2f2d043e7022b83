"""List lines keep their 措施说明 (``note``): why a line's measures differ from its grade's table
(a reason, or 协商减排 with the agreement's reference); "" for lines imported before.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("list_lines") as batch:
        batch.add_column(sa.Column("note", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("list_lines") as batch:
        batch.drop_column("note")
