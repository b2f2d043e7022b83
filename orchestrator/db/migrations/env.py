"""Alembic environment: runs on the connection handed over by orchestrator.db.database.migrate."""

from alembic import context
from sqlalchemy import create_engine

from orchestrator.db.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # `alembic` command line: ORCHESTRATOR settings give the URL
    from orchestrator.settings import load_settings

    engine = create_engine(load_settings().effective_database_url)
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=metadata)
        context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=metadata)
    context.run_migrations()
