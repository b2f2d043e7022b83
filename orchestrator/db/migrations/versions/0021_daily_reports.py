"""每日调度: daily reports of enterprises and units, and each day's round (chase, roll-up).

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "daily_reports",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "alert_id", sa.Integer(), sa.ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("code", sa.String(18), nullable=False),
        sa.Column("reporter", sa.String(12), nullable=False),
        sa.Column(
            "revision_id",
            sa.Integer(),
            sa.ForeignKey("alert_revisions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reported_by", sa.Text(), nullable=False),
        sa.Column("via", sa.String(12), nullable=False),
        sa.UniqueConstraint("alert_id", "code", "day", name="uq_daily_reports_day"),
    )
    op.create_index("ix_daily_reports_alert_day", "daily_reports", ["alert_id", "day"])
    op.create_table(
        "daily_rounds",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "alert_id", sa.Integer(), sa.ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.UniqueConstraint("alert_id", "day", name="uq_daily_rounds_day"),
    )


def downgrade() -> None:
    op.drop_table("daily_rounds")
    op.drop_index("ix_daily_reports_alert_day", table_name="daily_reports")
    op.drop_table("daily_reports")
