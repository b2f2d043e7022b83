"""Recurring controls: control rounds and their enterprises; deliveries, acknowledgements,
implementation reports and escalations belong to an alert revision or to a control round.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)
_SUBJECT_TABLES = ("deliveries", "acknowledgements", "implementation_reports", "escalations")


def upgrade() -> None:
    op.create_table(
        "control_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("control", sa.String(length=48), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("period_start", _TS, nullable=False),
        sa.Column("period_end", _TS, nullable=False),
        sa.Column("list_revision", sa.Integer(), nullable=False),
        sa.Column("issued_at", _TS, nullable=False),
        sa.Column("receipt_deadline", _TS, nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("enqueued_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_control_rounds")),
        sa.UniqueConstraint(
            "region_code", "control", "period_start", name="uq_control_rounds_period"
        ),
    )
    op.create_table(
        "control_round_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["control_rounds.id"],
            name=op.f("fk_control_round_entries_round_id_control_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_control_round_entries")),
        sa.UniqueConstraint("round_id", "uscc", name="uq_control_round_entries_uscc"),
    )
    for table in _SUBJECT_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("revision_id", existing_type=sa.Integer(), nullable=True)
            batch.add_column(sa.Column("round_id", sa.Integer(), nullable=True))
            batch.create_foreign_key(
                op.f(f"fk_{table}_round_id_control_rounds"),
                "control_rounds",
                ["round_id"],
                ["id"],
                ondelete="CASCADE",
            )
            batch.create_check_constraint(
                f"ck_{table}_subject", "(revision_id IS NULL) <> (round_id IS NULL)"
            )
            if table in ("acknowledgements", "escalations"):
                batch.create_unique_constraint(f"uq_{table}_round_uscc", ["round_id", "uscc"])
    op.create_index("ix_deliveries_round", "deliveries", ["round_id", "recipient"])
    op.create_index(
        "ix_implementation_reports_round", "implementation_reports", ["round_id", "uscc"]
    )


def downgrade() -> None:
    op.drop_index("ix_implementation_reports_round", table_name="implementation_reports")
    op.drop_index("ix_deliveries_round", table_name="deliveries")
    for table in _SUBJECT_TABLES:
        op.execute(sa.text(f"DELETE FROM {table} WHERE round_id IS NOT NULL"))
        with op.batch_alter_table(table) as batch:
            if table in ("acknowledgements", "escalations"):
                batch.drop_constraint(f"uq_{table}_round_uscc", type_="unique")
            batch.drop_constraint(f"ck_{table}_subject", type_="check")
            batch.drop_constraint(op.f(f"fk_{table}_round_id_control_rounds"), type_="foreignkey")
            batch.drop_column("round_id")
            batch.alter_column("revision_id", existing_type=sa.Integer(), nullable=False)
    op.drop_table("control_round_entries")
    op.drop_table("control_rounds")
