"""Notices: every rendered notice of an alert revision, one per (revision, enterprise, kind).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["alert_revisions.id"],
            name=op.f("fk_notices_revision_id_alert_revisions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
        sa.UniqueConstraint("revision_id", "uscc", "kind", name="uq_notices_revision_uscc_kind"),
    )
    op.create_index(op.f("ix_notices_revision_id"), "notices", ["revision_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_notices_revision_id"), table_name="notices")
    op.drop_table("notices")
