"""Typed SQLAlchemy Core tables. Uniqueness lives here, in the database, not only in code."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

list_revisions = Table(
    "list_revisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("region_code", String(6), nullable=False),
    Column("number", Integer, nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("source", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("warnings", JSON, nullable=False),
    UniqueConstraint("region_code", "number", name="uq_list_revisions_number"),
    UniqueConstraint("region_code", "sha256", "effective_from", name="uq_list_revisions_content"),
)

list_enterprises = Table(
    "list_enterprises",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "revision_id",
        ForeignKey("list_revisions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("uscc", String(18), nullable=False),
    Column("name", Text, nullable=False),
    Column("county", Text, nullable=False),
    Column("town", Text, nullable=False),
    Column("category", Text, nullable=False),
    Column("grade", String(8), nullable=False),
    Column("permit_no", Text, nullable=False),
    Column("contact", Text, nullable=False),
    Column("phone", Text, nullable=False),
    Column("email", Text, nullable=False),
    Column("channel", Text, nullable=False),
    Column("position", Integer, nullable=False),
    UniqueConstraint("revision_id", "uscc", name="uq_list_enterprises_uscc"),
)


def _level_columns() -> list[Column[Any]]:
    """A line has exactly one measure per list level; kept on the line row (as in the workbook),
    which halves the rows a 100,000-line import writes and keeps per-level sums plain SQL."""
    cols: list[Column[Any]] = []
    for level in ("yellow", "orange", "red"):
        cols += [
            Column(f"{level}_kind", String(16), nullable=True),
            Column(f"{level}_text", Text, nullable=True),
            Column(f"{level}_value", Float, nullable=True),
            Column(f"{level}_so2", Float, nullable=True),
            Column(f"{level}_nox", Float, nullable=True),
            Column(f"{level}_pm", Float, nullable=True),
            Column(f"{level}_vocs", Float, nullable=True),
            Column(f"{level}_from_table", Boolean, nullable=True),
        ]
    return cols


list_lines = Table(
    "list_lines",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "revision_id",
        ForeignKey("list_revisions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("enterprise_id", ForeignKey("list_enterprises.id", ondelete="CASCADE"), nullable=False),
    Column("name", Text, nullable=False),
    Column("industry", Text, nullable=False),
    Column("declared_grade", String(8), nullable=False),
    Column("base_so2", Float, nullable=False),
    Column("base_nox", Float, nullable=False),
    Column("base_pm", Float, nullable=False),
    Column("base_vocs", Float, nullable=False),
    Column("check_method", Text, nullable=False),
    Column("meter_no", Text, nullable=False),
    Column("position", Integer, nullable=False),
    *_level_columns(),
    UniqueConstraint("enterprise_id", "name", name="uq_list_lines_name"),
)

list_dust_sites = Table(
    "list_dust_sites",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "revision_id",
        ForeignKey("list_revisions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("position", Integer, nullable=False),
    Column("record", JSON, nullable=False),
)

list_transport_users = Table(
    "list_transport_users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "revision_id",
        ForeignKey("list_revisions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("position", Integer, nullable=False),
    Column("record", JSON, nullable=False),
)
