"""Coverage check tasks: a coverage run's findings sent to the response network's units (one task
per run and unit) and their answers, finding by finding; deliveries may belong to a coverage run.

Revision ID: 0023
Revises: 0022
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)
_TWO = "(revision_id IS NULL) <> (round_id IS NULL)"
_THREE = (
    "(CASE WHEN revision_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN round_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN coverage_id IS NULL THEN 0 ELSE 1 END) = 1"
)


def _run_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["coverage_id"],
        ["coverage_runs.id"],
        name=op.f(f"fk_{table}_coverage_id_coverage_runs"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    with op.batch_alter_table("coverage_runs") as batch:
        batch.add_column(sa.Column("tasked_at", _TS, nullable=True))
        batch.add_column(sa.Column("tasked_by", sa.Text(), nullable=True))
    op.create_table(
        "coverage_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coverage_id", sa.Integer(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("unit_id", sa.Text(), nullable=False),
        sa.Column("unit_name", sa.Text(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("issued_at", _TS, nullable=False),
        sa.Column("deadline", _TS, nullable=False),
        _run_fk("coverage_tasks"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coverage_tasks")),
        sa.UniqueConstraint("coverage_id", "uscc", name="uq_coverage_tasks_unit"),
    )
    op.create_table(
        "coverage_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coverage_id", sa.Integer(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("signer", sa.Text(), nullable=False),
        sa.Column("answered_at", _TS, nullable=False),
        _run_fk("coverage_answers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coverage_answers")),
        sa.UniqueConstraint("coverage_id", "kind", "key", name="uq_coverage_answers_finding"),
    )
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_constraint("ck_deliveries_subject", type_="check")
        batch.add_column(sa.Column("coverage_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_deliveries_coverage_id_coverage_runs"),
            "coverage_runs",
            ["coverage_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_check_constraint("ck_deliveries_subject", _THREE)
    op.create_index("ix_deliveries_coverage", "deliveries", ["coverage_id", "recipient"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_coverage", table_name="deliveries")
    op.execute(sa.text("DELETE FROM deliveries WHERE coverage_id IS NOT NULL"))
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_constraint("ck_deliveries_subject", type_="check")
        batch.drop_constraint(op.f("fk_deliveries_coverage_id_coverage_runs"), type_="foreignkey")
        batch.drop_column("coverage_id")
        batch.create_check_constraint("ck_deliveries_subject", _TWO)
    op.drop_table("coverage_answers")
    op.drop_table("coverage_tasks")
    with op.batch_alter_table("coverage_runs") as batch:
        batch.drop_column("tasked_by")
        batch.drop_column("tasked_at")
