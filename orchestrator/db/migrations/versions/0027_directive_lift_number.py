"""The number of a 调度令's lifting notice, from the same yearly sequence as the orders'.

Revision ID: 0027
Revises: 0026
"""

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN, never a batch copy: on SQLite a copy of ``directives`` would drop the
    # table its cities and reports cascade from
    op.add_column("directives", sa.Column("lift_year", sa.Integer(), nullable=True))
    op.add_column("directives", sa.Column("lift_seq", sa.Integer(), nullable=True))
    op.add_column("directives", sa.Column("lift_number", sa.Text(), nullable=True))
    op.create_index(
        "uq_directives_lift_number",
        "directives",
        ["province", "lift_year", "lift_seq"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_directives_lift_number", table_name="directives")
    with op.batch_alter_table("directives") as batch:
        batch.drop_column("lift_number")
        batch.drop_column("lift_seq")
        batch.drop_column("lift_year")
