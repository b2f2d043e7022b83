"""Implementation reports say whether every line was done (``complete``), so that the notices
page filters and pages enterprises by state in SQL.

Revision ID: 0010
Revises: 0009
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("implementation_reports") as batch:
        batch.add_column(
            sa.Column("complete", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    conn = op.get_bind()
    reports = sa.table(
        "implementation_reports",
        sa.column("id", sa.Integer),
        sa.column("items", sa.JSON),
        sa.column("complete", sa.Boolean),
    )
    for rid, items in conn.execute(sa.select(reports.c.id, reports.c["items"])).all():
        if isinstance(items, str):
            items = json.loads(items)
        if all(i.get("done") for i in items):  # as receipts.report sets it
            conn.execute(sa.update(reports).where(reports.c.id == rid).values(complete=True))


def downgrade() -> None:
    with op.batch_alter_table("implementation_reports") as batch:
        batch.drop_column("complete")
