"""Sign-in attempts counted per name typed, atomically: the users' failure counter and lock move
to ``sign_in_attempts`` (keyed by the username typed, whether or not such a user exists).

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_attempts",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_sign_in_attempts")),
    )
    op.create_index(
        op.f("ix_sign_in_attempts_last_at"), "sign_in_attempts", ["last_at"], unique=False
    )
    # a lock in force, or failures counted, carry over under the user's name
    users = sa.table(
        "users",
        sa.column("username", sa.String),
        sa.column("failed_logins", sa.Integer),
        sa.column("locked_until", sa.DateTime(timezone=True)),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    attempts = sa.table(
        "sign_in_attempts",
        sa.column("username", sa.String),
        sa.column("failures", sa.Integer),
        sa.column("locked_until", sa.DateTime(timezone=True)),
        sa.column("last_at", sa.DateTime(timezone=True)),
    )
    op.execute(
        attempts.insert().from_select(
            ["username", "failures", "locked_until", "last_at"],
            sa.select(
                users.c.username,
                users.c.failed_logins,
                users.c.locked_until,
                sa.func.coalesce(users.c.locked_until, users.c.created_at),
            ).where((users.c.failed_logins > 0) | users.c.locked_until.is_not(None)),
        )
    )
    with op.batch_alter_table("users") as batch:
        batch.drop_column("failed_logins")
        batch.drop_column("locked_until")


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
    op.drop_index(op.f("ix_sign_in_attempts_last_at"), table_name="sign_in_attempts")
    op.drop_table("sign_in_attempts")
