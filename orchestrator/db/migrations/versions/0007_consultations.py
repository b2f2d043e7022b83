"""Daily consultation and the scheduler: consultations (unique per region and slot) and the
scheduler's run history (unique per job and slot).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "consultations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("slot", _TS, nullable=False),
        sa.Column("ran_at", _TS, nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("degraded", sa.Boolean(), nullable=False),
        sa.Column("action", sa.String(length=12), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=True),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("revision_id", sa.Integer(), nullable=True),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("notify_attempts", sa.Integer(), nullable=False),
        sa.Column("notified_at", _TS, nullable=True),
        sa.Column("notify_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            name=op.f("fk_consultations_alert_id_alerts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["alert_revisions.id"],
            name=op.f("fk_consultations_revision_id_alert_revisions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultations")),
        sa.UniqueConstraint("region_code", "slot", name="uq_consultations_region_slot"),
    )
    op.create_table(
        "scheduler_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=48), nullable=False),
        sa.Column("slot", _TS, nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("runner", sa.Text(), nullable=False),
        sa.Column("started_at", _TS, nullable=False),
        sa.Column("finished_at", _TS, nullable=True),
        sa.Column("lease_until", _TS, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_scheduler_runs_consultation_id_consultations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduler_runs")),
        sa.UniqueConstraint("job", "slot", name="uq_scheduler_runs_job_slot"),
    )


def downgrade() -> None:
    op.drop_table("scheduler_runs")
    op.drop_table("consultations")
