"""Federation between installations: the log of signed messages judged (duplicates, replays,
tampering), and the outbox of signed messages still to send.

Revision ID: 0026
Revises: 0025
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "federation_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=6), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("sent", _TS, nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("received_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_federation_log_subject", "federation_log", ["subject"])
    op.create_index(
        "uq_federation_log_applied",
        "federation_log",
        ["subject", "digest"],
        unique=True,
        sqlite_where=sa.text("verdict = 'new'"),
        postgresql_where=sa.text("verdict = 'new'"),
    )
    op.create_table(
        "federation_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_at", _TS, nullable=False),
        sa.Column("sent_at", _TS, nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("federation_outbox")
    op.drop_index("uq_federation_log_applied", table_name="federation_log")
    op.drop_index("ix_federation_log_subject", table_name="federation_log")
    op.drop_table("federation_log")
