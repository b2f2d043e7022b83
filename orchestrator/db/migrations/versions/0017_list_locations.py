"""经度 and 纬度 of a list's enterprises (the map, the county check); dust sites keep theirs in
their record.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("list_enterprises") as batch:
        batch.add_column(sa.Column("lon", sa.Float(), nullable=True))
        batch.add_column(sa.Column("lat", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("list_enterprises") as batch:
        batch.drop_column("lat")
        batch.drop_column("lon")
