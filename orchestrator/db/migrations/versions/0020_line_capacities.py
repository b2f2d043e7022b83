"""A line's capacities (环评批复, 许可, 上年实际) and whether they are its 限产 base.

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("list_lines") as batch:
        batch.add_column(sa.Column("cap_eia", sa.Float(), nullable=True))
        batch.add_column(sa.Column("cap_permit", sa.Float(), nullable=True))
        batch.add_column(sa.Column("cap_actual", sa.Float(), nullable=True))
        batch.add_column(sa.Column("cap_unit", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("cap_binding", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("list_lines") as batch:
        for name in ("cap_binding", "cap_unit", "cap_actual", "cap_permit", "cap_eia"):
            batch.drop_column(name)
