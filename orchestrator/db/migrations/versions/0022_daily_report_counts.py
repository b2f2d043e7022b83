"""Daily reports: each report's items counted beside them (items, done), so that a day's
roll-up reads the items only of the reports that need them (a unit's figures, a line not done).

Revision ID: 0022
Revises: 0021
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("daily_reports") as batch:
        batch.add_column(sa.Column("items_count", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("done_count", sa.Integer(), nullable=False, server_default="0"))
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, items FROM daily_reports")).all()
    for row_id, items in rows:
        found = json.loads(items) if isinstance(items, str) else items
        conn.execute(
            sa.text("UPDATE daily_reports SET items_count = :n, done_count = :d WHERE id = :id"),
            {"n": len(found), "d": sum(1 for i in found if i.get("done")), "id": row_id},
        )


def downgrade() -> None:
    with op.batch_alter_table("daily_reports") as batch:
        batch.drop_column("done_count")
        batch.drop_column("items_count")
