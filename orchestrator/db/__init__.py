"""Persistence: SQLAlchemy tables, Alembic migrations, one store per concept, the unit of work."""
