"""The province–city–county tiers: console accounts scoped to a region, the province's 调度令
with the cities it is forwarded to and their report-backs (the province's database), a city's
record of the 调度令 it received (each city's database), and regional hints that can be lifted.

Revision ID: 0024
Revises: 0023
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Plain ADD COLUMN, never a batch copy: on SQLite a copy of ``users`` would drop the table its
    # sessions and API tokens cascade from.
    op.add_column("users", sa.Column("region", sa.String(length=6), nullable=True))
    op.add_column("regional_hints", sa.Column("lifted_at", _TS, nullable=True))
    op.create_table(
        "directives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("province", sa.String(length=6), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("cities", sa.JSON(), nullable=False),
        sa.Column("counties", sa.JSON(), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("start_at", _TS, nullable=False),
        sa.Column("end_at", _TS, nullable=False),
        sa.Column("measures", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("report_within_hours", sa.Integer(), nullable=False),
        sa.Column("daily_report_by", sa.String(length=5), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("drafted_by", sa.Text(), nullable=False),
        sa.Column("approved_by", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=True),
        sa.Column("number", sa.Text(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("issued_at", _TS, nullable=True),
        sa.Column("lifted_at", _TS, nullable=True),
        sa.Column("lift_reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directives")),
        sa.UniqueConstraint("province", "year", "seq", name="uq_directives_number"),
    )
    op.create_table(
        "directive_cities",
        sa.Column("directive_id", sa.Integer(), nullable=False),
        sa.Column("city", sa.String(length=6), nullable=False),
        sa.Column("forwarded_at", _TS, nullable=True),
        sa.Column("lift_forwarded_at", _TS, nullable=True),
        sa.Column("chased_at", _TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["directive_id"],
            ["directives.id"],
            name=op.f("fk_directive_cities_directive_id_directives"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("directive_id", "city", name=op.f("pk_directive_cities")),
    )
    op.create_table(
        "directive_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("directive_id", sa.Integer(), nullable=False),
        sa.Column("city", sa.String(length=6), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Text(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("reported_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["directive_id"],
            ["directives.id"],
            name=op.f("fk_directive_reports_directive_id_directives"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directive_reports")),
        sa.UniqueConstraint("directive_id", "city", "kind", "day", name="uq_directive_reports_one"),
    )
    op.create_table(
        "received_directives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("province", sa.String(length=6), nullable=False),
        sa.Column("ref", sa.Integer(), nullable=False),
        sa.Column("number", sa.Text(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("received_at", _TS, nullable=False),
        sa.Column("hint_id", sa.Integer(), nullable=True),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("lifted_at", _TS, nullable=True),
        sa.Column("lift_reason", sa.Text(), nullable=False),
        sa.Column("chased_at", _TS, nullable=True),
        sa.Column("lift_requested_at", _TS, nullable=True),
        sa.Column("lift_request", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["hint_id"],
            ["regional_hints.id"],
            name=op.f("fk_received_directives_hint_id_regional_hints"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_received_directives")),
        sa.UniqueConstraint("province", "ref", name="uq_received_directives_ref"),
    )


def downgrade() -> None:
    op.drop_table("received_directives")
    op.drop_table("directive_reports")
    op.drop_table("directive_cities")
    op.drop_table("directives")
    op.drop_column("regional_hints", "lifted_at")
    op.drop_column("users", "region")
