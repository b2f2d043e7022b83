"""Each list revision keeps its dispatch plans, selected once: all levels in one record per
enterprise (list_plan_entries) and what each level achieves (list_plans); an approved alert
revision refers to its level's plan (alert_revisions.plan_id) instead of copying it; dispatch
orders keep the frame they share once (order_frames).

List revisions imported before this migration get their plans on first use; alert revisions
approved before it keep their copied plans (plan_entries).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "list_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("reduction", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["list_revisions.id"],
            name=op.f("fk_list_plans_revision_id_list_revisions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_plans")),
        sa.UniqueConstraint("revision_id", "level", name="uq_list_plans_level"),
    )
    op.create_table(
        "list_plan_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["list_revisions.id"],
            name=op.f("fk_list_plan_entries_revision_id_list_revisions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_plan_entries")),
        sa.UniqueConstraint("revision_id", "uscc", name="uq_list_plan_entries_uscc"),
        sa.UniqueConstraint("revision_id", "position", name="uq_list_plan_entries_position"),
    )
    op.create_index(
        "ix_list_plan_entries_mode", "list_plan_entries", ["revision_id", "mode"], unique=False
    )
    op.create_table(
        "order_frames",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("prefix", sa.Text(), nullable=False),
        sa.Column("suffix", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["alert_revisions.id"],
            name=op.f("fk_order_frames_revision_id_alert_revisions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_frames")),
        sa.UniqueConstraint("revision_id", name=op.f("uq_order_frames_revision_id")),
    )

    with op.batch_alter_table("alert_revisions") as batch:
        batch.add_column(sa.Column("plan_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_alert_revisions_plan_id_list_plans"),
            "list_plans",
            ["plan_id"],
            ["id"],
            ondelete="RESTRICT",
        )


def downgrade() -> None:
    with op.batch_alter_table("alert_revisions") as batch:
        batch.drop_constraint(op.f("fk_alert_revisions_plan_id_list_plans"), type_="foreignkey")
        batch.drop_column("plan_id")
    op.drop_table("order_frames")
    op.drop_index("ix_list_plan_entries_mode", table_name="list_plan_entries")
    op.drop_table("list_plan_entries")
    op.drop_table("list_plans")
