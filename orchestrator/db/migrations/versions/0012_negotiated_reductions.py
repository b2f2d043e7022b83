"""Negotiated reductions (协商减排), one per enterprise and alert revision.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "negotiated_reductions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("measure", sa.Text(), nullable=False),
        sa.Column("so2", sa.Float(), nullable=False),
        sa.Column("nox", sa.Float(), nullable=False),
        sa.Column("pm", sa.Float(), nullable=False),
        sa.Column("vocs", sa.Float(), nullable=False),
        sa.Column("start_at", _TS, nullable=False),
        sa.Column("end_at", _TS, nullable=False),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("agreed_by", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("recorded_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            name=op.f("fk_negotiated_reductions_alert_id_alerts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["alert_revisions.id"],
            name=op.f("fk_negotiated_reductions_revision_id_alert_revisions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_negotiated_reductions")),
        sa.UniqueConstraint("revision_id", "uscc", name="uq_negotiated_reductions_uscc"),
    )
    op.create_index(
        op.f("ix_negotiated_reductions_alert_id"), "negotiated_reductions", ["alert_id"]
    )
    op.create_index(
        op.f("ix_negotiated_reductions_revision_id"), "negotiated_reductions", ["revision_id"]
    )


def downgrade() -> None:
    op.drop_table("negotiated_reductions")
