"""Delivery and receipts: the outbox (deliveries, outbox_revisions), acknowledgements,
implementation reports, escalations and hourly electricity readings.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def _revision_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["revision_id"],
        ["alert_revisions.id"],
        name=op.f(f"fk_{table}_revision_id_alert_revisions"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=64), nullable=False),
        sa.Column("recipient_name", sa.Text(), nullable=False),
        sa.Column("county", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _TS, nullable=False),
        sa.Column("lease_until", _TS, nullable=True),
        sa.Column("claimed_by", sa.Text(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("sent_at", _TS, nullable=True),
        sa.Column("delivered_at", _TS, nullable=True),
        _revision_fk("deliveries"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint("key", name=op.f("uq_deliveries_key")),
    )
    op.create_index("ix_deliveries_due", "deliveries", ["status", "next_attempt_at"])
    op.create_index("ix_deliveries_revision", "deliveries", ["revision_id", "recipient"])
    op.create_table(
        "outbox_revisions",
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("enqueued_at", _TS, nullable=False),
        _revision_fk("outbox_revisions"),
        sa.PrimaryKeyConstraint("revision_id", name=op.f("pk_outbox_revisions")),
    )
    op.create_table(
        "acknowledgements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("acknowledged_at", _TS, nullable=False),
        sa.Column("signer", sa.Text(), nullable=False),
        _revision_fk("acknowledgements"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acknowledgements")),
        sa.UniqueConstraint("revision_id", "uscc", name="uq_acknowledgements_revision_uscc"),
    )
    op.create_table(
        "implementation_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("reported_at", _TS, nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        _revision_fk("implementation_reports"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_implementation_reports")),
    )
    op.create_index(
        "ix_implementation_reports_revision", "implementation_reports", ["revision_id", "uscc"]
    )
    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("escalated_at", _TS, nullable=False),
        _revision_fk("escalations"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalations")),
        sa.UniqueConstraint("revision_id", "uscc", name="uq_escalations_revision_uscc"),
    )
    op.create_table(
        "electricity_readings",
        sa.Column("meter_no", sa.String(length=64), nullable=False),
        sa.Column("hour", _TS, nullable=False),
        sa.Column("kwh", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("meter_no", "hour", name=op.f("pk_electricity_readings")),
    )


def downgrade() -> None:
    for table in (
        "electricity_readings",
        "escalations",
        "implementation_reports",
        "acknowledgements",
        "outbox_revisions",
        "deliveries",
    ):
        op.drop_table(table)
