"""Alerts: revisions, document numbers, frozen dispatch plans, regional hints, audit log.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "regional_hints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issuer", sa.Text(), nullable=False),
        sa.Column("document_number", sa.Text(), nullable=False),
        sa.Column("area", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regional_hints")),
        sa.UniqueConstraint("issuer", "document_number", name="uq_regional_hints_document"),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hint_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["hint_id"], ["regional_hints.id"], name=op.f("fk_alerts_hint_id_regional_hints")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    op.create_table(
        "alert_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("drafted_by", sa.Text(), nullable=False),
        sa.Column("approved_by", sa.Text(), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("shortfall_override", sa.Text(), nullable=True),
        sa.Column("list_revision", sa.Integer(), nullable=True),
        sa.Column("document_number", sa.Text(), nullable=True),
        sa.Column("previous_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            name=op.f("fk_alert_revisions_alert_id_alerts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["previous_id"],
            ["alert_revisions.id"],
            name=op.f("fk_alert_revisions_previous_id_alert_revisions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_revisions")),
        sa.UniqueConstraint("alert_id", "number", name="uq_alert_revisions_number"),
        sa.UniqueConstraint("document_number", name=op.f("uq_alert_revisions_document_number")),
    )
    op.create_index(
        op.f("ix_alert_revisions_alert_id"), "alert_revisions", ["alert_id"], unique=False
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("action", sa.String(length=24), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("revision_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            name=op.f("fk_audit_log_alert_id_alerts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["alert_revisions.id"],
            name=op.f("fk_audit_log_revision_id_alert_revisions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_alert_id"), "audit_log", ["alert_id"], unique=False)
    op.create_table(
        "document_numbers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer_code", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["alert_revisions.id"],
            name=op.f("fk_document_numbers_revision_id_alert_revisions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_numbers")),
        sa.UniqueConstraint("issuer_code", "year", "seq", name="uq_document_numbers_seq"),
        sa.UniqueConstraint("revision_id", name=op.f("uq_document_numbers_revision_id")),
    )
    op.create_table(
        "plan_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["alert_revisions.id"],
            name=op.f("fk_plan_entries_revision_id_alert_revisions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_entries")),
        sa.UniqueConstraint("revision_id", "uscc", name="uq_plan_entries_uscc"),
    )
    op.create_index(
        op.f("ix_plan_entries_revision_id"), "plan_entries", ["revision_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_plan_entries_revision_id"), table_name="plan_entries")
    op.drop_table("plan_entries")
    op.drop_table("document_numbers")
    op.drop_index(op.f("ix_audit_log_alert_id"), table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index(op.f("ix_alert_revisions_alert_id"), table_name="alert_revisions")
    op.drop_table("alert_revisions")
    op.drop_table("alerts")
    op.drop_table("regional_hints")
