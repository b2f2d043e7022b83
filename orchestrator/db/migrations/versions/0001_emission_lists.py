"""Emission list revisions: enterprises, lines with their measures per level, dust sites,
transport users.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "list_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_revisions")),
        sa.UniqueConstraint("region_code", "number", name="uq_list_revisions_number"),
        sa.UniqueConstraint(
            "region_code", "sha256", "effective_from", name="uq_list_revisions_content"
        ),
    )
    op.create_table(
        "list_dust_sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["list_revisions.id"],
            name=op.f("fk_list_dust_sites_revision_id_list_revisions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_dust_sites")),
    )
    op.create_index(
        op.f("ix_list_dust_sites_revision_id"), "list_dust_sites", ["revision_id"], unique=False
    )
    op.create_table(
        "list_enterprises",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("county", sa.Text(), nullable=False),
        sa.Column("town", sa.Text(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("grade", sa.String(length=8), nullable=False),
        sa.Column("permit_no", sa.Text(), nullable=False),
        sa.Column("contact", sa.Text(), nullable=False),
        sa.Column("phone", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["list_revisions.id"],
            name=op.f("fk_list_enterprises_revision_id_list_revisions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_enterprises")),
        sa.UniqueConstraint("revision_id", "uscc", name="uq_list_enterprises_uscc"),
    )
    op.create_index(
        op.f("ix_list_enterprises_revision_id"), "list_enterprises", ["revision_id"], unique=False
    )
    op.create_table(
        "list_transport_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["list_revisions.id"],
            name=op.f("fk_list_transport_users_revision_id_list_revisions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_transport_users")),
    )
    op.create_index(
        op.f("ix_list_transport_users_revision_id"),
        "list_transport_users",
        ["revision_id"],
        unique=False,
    )
    op.create_table(
        "list_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("industry", sa.Text(), nullable=False),
        sa.Column("declared_grade", sa.String(length=8), nullable=False),
        sa.Column("base_so2", sa.Float(), nullable=False),
        sa.Column("base_nox", sa.Float(), nullable=False),
        sa.Column("base_pm", sa.Float(), nullable=False),
        sa.Column("base_vocs", sa.Float(), nullable=False),
        sa.Column("check_method", sa.Text(), nullable=False),
        sa.Column("meter_no", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("yellow_kind", sa.String(length=16), nullable=True),
        sa.Column("yellow_text", sa.Text(), nullable=True),
        sa.Column("yellow_value", sa.Float(), nullable=True),
        sa.Column("yellow_so2", sa.Float(), nullable=True),
        sa.Column("yellow_nox", sa.Float(), nullable=True),
        sa.Column("yellow_pm", sa.Float(), nullable=True),
        sa.Column("yellow_vocs", sa.Float(), nullable=True),
        sa.Column("yellow_from_table", sa.Boolean(), nullable=True),
        sa.Column("orange_kind", sa.String(length=16), nullable=True),
        sa.Column("orange_text", sa.Text(), nullable=True),
        sa.Column("orange_value", sa.Float(), nullable=True),
        sa.Column("orange_so2", sa.Float(), nullable=True),
        sa.Column("orange_nox", sa.Float(), nullable=True),
        sa.Column("orange_pm", sa.Float(), nullable=True),
        sa.Column("orange_vocs", sa.Float(), nullable=True),
        sa.Column("orange_from_table", sa.Boolean(), nullable=True),
        sa.Column("red_kind", sa.String(length=16), nullable=True),
        sa.Column("red_text", sa.Text(), nullable=True),
        sa.Column("red_value", sa.Float(), nullable=True),
        sa.Column("red_so2", sa.Float(), nullable=True),
        sa.Column("red_nox", sa.Float(), nullable=True),
        sa.Column("red_pm", sa.Float(), nullable=True),
        sa.Column("red_vocs", sa.Float(), nullable=True),
        sa.Column("red_from_table", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["list_enterprises.id"],
            name=op.f("fk_list_lines_enterprise_id_list_enterprises"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["list_revisions.id"],
            name=op.f("fk_list_lines_revision_id_list_revisions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_lines")),
        sa.UniqueConstraint("enterprise_id", "name", name="uq_list_lines_name"),
    )
    op.create_index(op.f("ix_list_lines_revision_id"), "list_lines", ["revision_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_list_lines_revision_id"), table_name="list_lines")
    op.drop_table("list_lines")
    op.drop_index(op.f("ix_list_transport_users_revision_id"), table_name="list_transport_users")
    op.drop_table("list_transport_users")
    op.drop_index(op.f("ix_list_enterprises_revision_id"), table_name="list_enterprises")
    op.drop_table("list_enterprises")
    op.drop_index(op.f("ix_list_dust_sites_revision_id"), table_name="list_dust_sites")
    op.drop_table("list_dust_sites")
    op.drop_table("list_revisions")
