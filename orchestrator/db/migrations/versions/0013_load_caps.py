"""Load caps that are checked: list lines keep their rated load and each level's cap unit; hourly
load readings per line.

Revision ID: 0013
Revises: 0012
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_LEVELS = ("yellow", "orange", "red")


def upgrade() -> None:
    with op.batch_alter_table("list_lines") as batch:
        batch.add_column(sa.Column("rated_value", sa.Float(), nullable=True))
        batch.add_column(sa.Column("rated_unit", sa.String(length=8), nullable=True))
        for level in _LEVELS:
            batch.add_column(sa.Column(f"{level}_unit", sa.String(length=8), nullable=True))
    op.create_table(
        "load_readings",
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("line", sa.String(length=200), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("uscc", "line", "hour", name=op.f("pk_load_readings")),
    )
    # lines imported before kept a load cap's unit only in its text ("负荷不超过设计负荷的80%")
    lines = sa.table(
        "list_lines",
        sa.column("id", sa.Integer),
        *(sa.column(f"{lv}_{k}", sa.Text) for lv in _LEVELS for k in ("kind", "text", "unit")),
    )
    conn = op.get_bind()
    for level in _LEVELS:
        kind, text, unit = (lines.c[f"{level}_{k}"] for k in ("kind", "text", "unit"))
        for row_id, words in conn.execute(
            sa.select(lines.c.id, text).where(kind == "load_cap")
        ).all():
            found = _unit(words or "")
            if found:
                conn.execute(sa.update(lines).where(lines.c.id == row_id).values({unit: found}))


def _unit(text: str) -> str | None:
    m = re.search(r"\d\s*(%|％|MW|兆瓦|t/h|吨/小时|吨/时)", text, re.IGNORECASE)
    if m is None:
        return None
    return {"％": "%", "mw": "MW", "兆瓦": "MW", "吨/小时": "t/h", "吨/时": "t/h"}.get(
        m.group(1).lower(), m.group(1)
    )


def downgrade() -> None:
    op.drop_table("load_readings")
    with op.batch_alter_table("list_lines") as batch:
        for level in _LEVELS:
            batch.drop_column(f"{level}_unit")
        batch.drop_column("rated_unit")
        batch.drop_column("rated_value")
