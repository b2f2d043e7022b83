"""Alerts of named counties: an alert's area (its counties; none: the whole city), the counties a
regional hint binds, and each list plan entry's county (read from its record), by which an
alert's plan is narrowed to its area.

Revision ID: 0029
Revises: 0028
"""

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("alerts", sa.Column("counties", sa.JSON(), nullable=True))
    op.add_column("regional_hints", sa.Column("counties", sa.JSON(), nullable=True))
    op.add_column("list_plan_entries", sa.Column("county", sa.Text(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE list_plan_entries SET county = record->>'county'")
    else:
        op.execute("UPDATE list_plan_entries SET county = json_extract(record, '$.county')")
    op.create_index("ix_list_plan_entries_county", "list_plan_entries", ["revision_id", "county"])


def downgrade() -> None:
    op.drop_index("ix_list_plan_entries_county", table_name="list_plan_entries")
    with op.batch_alter_table("list_plan_entries") as batch:
        batch.drop_column("county")
    with op.batch_alter_table("regional_hints") as batch:
        batch.drop_column("counties")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("counties")
