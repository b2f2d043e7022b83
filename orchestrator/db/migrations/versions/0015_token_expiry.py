"""API tokens expire: ``api_tokens.expires_at``; tokens issued before get a year from their issue.

Revision ID: 0015
Revises: 0014
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    tokens = sa.table(
        "api_tokens",
        sa.column("id", sa.Integer),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("expires_at", sa.DateTime(timezone=True)),
    )
    conn = op.get_bind()
    for token_id, created in conn.execute(sa.select(tokens.c.id, tokens.c.created_at)).all():
        conn.execute(
            tokens.update()
            .where(tokens.c.id == token_id)
            .values(expires_at=created + dt.timedelta(days=365))
        )


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("expires_at")
