"""Typed SQLAlchemy Core tables. Uniqueness lives here, in the database, not only in code."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.engine import Dialect


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Instants stored as UTC on every backend (SQLite keeps no offset), returned timezone-aware.

    A naive datetime is refused: an instant without a zone is a bug waiting to happen."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; pass an aware one")
        return value.astimezone(dt.UTC)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


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
    Column("imported_at", UtcDateTime(), nullable=False),
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
    # 经度, 纬度 in decimal degrees (CGCS2000); none when the list gave none (migration 0017)
    Column("lon", Float, nullable=True),
    Column("lat", Float, nullable=True),
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


def _load_unit_columns() -> list[Column[Any]]:
    """A load cap's unit per level (%, MW, t/h), added after the level columns (migration 0013)."""
    return [
        Column(f"{level}_unit", String(8), nullable=True) for level in ("yellow", "orange", "red")
    ]


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
    # 措施说明: why the line's measures differ from its grade's table (协商减排…), "" when not
    Column("note", Text, nullable=False, server_default=""),
    # 额定负荷: the rated load a load cap in % of it refers to (350 MW, 130 t/h); none if not given
    Column("rated_value", Float, nullable=True),
    Column("rated_unit", String(8), nullable=True),
    *_load_unit_columns(),
    # 环评批复产能, 许可产能, 上年实际日均产量 in one unit; binding: the 限产 base (migration 0020)
    Column("cap_eia", Float, nullable=True),
    Column("cap_permit", Float, nullable=True),
    Column("cap_actual", Float, nullable=True),
    Column("cap_unit", String(16), nullable=True),
    Column("cap_binding", Boolean, nullable=True),
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

#: Decisions on enterprises' performance grades between list revisions (migration 0019): each
#: amends the list from its date (a derived revision).
grade_decisions = Table(
    "grade_decisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("region_code", String(6), nullable=False),
    Column("uscc", String(18), nullable=False),
    Column("grade", String(8), nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("source", String(16), nullable=False),
    Column("reference", Text, nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("recorded_by", Text, nullable=False),
    Column("note", Text, nullable=False),
    Index("ix_grade_decisions_uscc", "region_code", "uscc"),
)

#: Each comparison of the list with a registry (排污许可, 在建工地, 重点用车单位), with what it found
#: (migration 0018): the next run is compared with the newest of its registry.
coverage_runs = Table(
    "coverage_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("region_code", String(6), nullable=False),
    Column("registry", String(16), nullable=False),
    Column("list_revision", Integer, nullable=False),
    Column("ran_at", UtcDateTime(), nullable=False),
    Column("ran_by", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("holders", Integer, nullable=False),
    Column("findings", JSON, nullable=False),
    # its findings sent to the response network as check tasks (migration 0023; once)
    Column("tasked_at", UtcDateTime(), nullable=True),
    Column("tasked_by", Text, nullable=True),
    Index("ix_coverage_runs_registry", "region_code", "registry", "id"),
)

#: 核查任务: one per coverage run and unit of the response network (a county, or the member unit
#: overseeing the registry's sheet): the findings it is to check, its document as sent, and by
#: when it is to answer (migration 0023).
coverage_tasks = Table(
    "coverage_tasks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("coverage_id", ForeignKey("coverage_runs.id", ondelete="CASCADE"), nullable=False),
    Column("uscc", String(18), nullable=False),  # the unit's code
    Column("unit_id", Text, nullable=False),  # county:城东区, zhujian
    Column("unit_name", Text, nullable=False),
    Column("items", JSON, nullable=False),  # the findings, each with the previous run's answer
    Column("body", Text, nullable=False),  # the task as sent (HTML)
    Column("issued_at", UtcDateTime(), nullable=False),
    Column("deadline", UtcDateTime(), nullable=False),
    UniqueConstraint("coverage_id", "uscc", name="uq_coverage_tasks_unit"),
)

#: A unit's answer to one finding of its check task (the newest counts; migration 0023).
coverage_answers = Table(
    "coverage_answers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("coverage_id", ForeignKey("coverage_runs.id", ondelete="CASCADE"), nullable=False),
    Column("uscc", String(18), nullable=False),  # the answering unit's code
    Column("kind", String(24), nullable=False),  # the finding's kind and key
    Column("key", Text, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("note", Text, nullable=False),
    Column("signer", Text, nullable=False),
    Column("answered_at", UtcDateTime(), nullable=False),
    UniqueConstraint("coverage_id", "kind", "key", name="uq_coverage_answers_finding"),
)


# --- alerts --------------------------------------------------------------------------------------

list_plans = Table(
    # A list revision's dispatch plan for one level, selected once (at import) so that approving
    # an alert only refers to it: a list revision never changes, neither does its plan for a
    # level. What it achieves is kept here; the entries, all levels in one record per
    # enterprise, in ``list_plan_entries``.
    "list_plans",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("revision_id", ForeignKey("list_revisions.id", ondelete="CASCADE"), nullable=False),
    Column("level", String(8), nullable=False),
    Column("reduction", JSON, nullable=False),  # LevelReduction.to_json()
    UniqueConstraint("revision_id", "level", name="uq_list_plans_level"),
)

list_plan_entries = Table(
    "list_plan_entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("revision_id", ForeignKey("list_revisions.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("uscc", String(18), nullable=False),
    Column("mode", String(16), nullable=False),  # the same at every level
    Column("record", JSON, nullable=False),  # enterprise_record(Enterprise, ALERT_LEVELS)
    Column("county", Text, nullable=True),  # the record's county: a county alert's plan is its own
    UniqueConstraint("revision_id", "uscc", name="uq_list_plan_entries_uscc"),
    UniqueConstraint("revision_id", "position", name="uq_list_plan_entries_position"),
    Index("ix_list_plan_entries_mode", "revision_id", "mode"),  # bulletins count by mode
    Index("ix_list_plan_entries_county", "revision_id", "county"),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("region_code", String(6), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("hint_id", ForeignKey("regional_hints.id"), nullable=True),  # started on a regional hint
    Column("counties", JSON, nullable=True),  # its area: these counties (None: the whole city)
)

alert_revisions = Table(
    "alert_revisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("alert_id", ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("number", Integer, nullable=False),
    Column("kind", String(12), nullable=False),
    Column("level", String(8), nullable=False),
    Column("start_at", UtcDateTime(), nullable=False),
    Column("end_at", UtcDateTime(), nullable=True),
    Column("status", String(20), nullable=False),
    Column("drafted_by", Text, nullable=False),
    Column("approved_by", Text, nullable=True),
    Column("issued_at", UtcDateTime(), nullable=True),
    Column("reason", Text, nullable=False),
    Column("shortfall_override", Text, nullable=True),
    Column("list_revision", Integer, nullable=True),  # the list the plan was frozen from
    Column("targets", JSON, nullable=True),  # the plan's reduction check, frozen at approval
    # the dispatch plan frozen at approval: the list revision's plan for the level, which never
    # changes and may not be deleted while an alert refers to it
    Column("plan_id", ForeignKey("list_plans.id", ondelete="RESTRICT"), nullable=True),
    Column("document_number", Text, nullable=True, unique=True),
    Column("previous_id", ForeignKey("alert_revisions.id"), nullable=True),
    UniqueConstraint("alert_id", "number", name="uq_alert_revisions_number"),
)

negotiated_reductions = Table(
    # 协商减排: an enterprise's agreed cut, attached to one alert revision before its approval;
    # its plan entry carries it (the order), its check counts it (approval)
    "negotiated_reductions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("alert_id", ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False, index=True),
    Column(
        "revision_id",
        ForeignKey("alert_revisions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("uscc", String(18), nullable=False),
    Column("name", Text, nullable=False),
    Column("lines", JSON, nullable=False),  # the enterprise's line names
    Column("kind", String(16), nullable=False),
    Column("measure", Text, nullable=False),
    Column("so2", Float, nullable=False),
    Column("nox", Float, nullable=False),
    Column("pm", Float, nullable=False),
    Column("vocs", Float, nullable=False),
    Column("start_at", UtcDateTime(), nullable=False),
    Column("end_at", UtcDateTime(), nullable=False),
    Column("reference", Text, nullable=False),
    Column("agreed_by", Text, nullable=False),
    Column("recorded_by", Text, nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    UniqueConstraint("revision_id", "uscc", name="uq_negotiated_reductions_uscc"),
)

document_numbers = Table(
    "document_numbers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("issuer_code", Text, nullable=False),
    Column("year", Integer, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("revision_id", ForeignKey("alert_revisions.id"), nullable=False, unique=True),
    UniqueConstraint("issuer_code", "year", "seq", name="uq_document_numbers_seq"),
)

plan_entries = Table(
    "plan_entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "revision_id",
        ForeignKey("alert_revisions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("uscc", String(18), nullable=False),
    Column("mode", String(16), nullable=False),
    Column("record", JSON, nullable=False),  # the frozen PlanEntry
    UniqueConstraint("revision_id", "uscc", name="uq_plan_entries_uscc"),
    # Plans frozen before migration 0005 (copied per alert revision); later revisions refer to
    # their list revision's plan instead (alert_revisions.plan_id). Read, never written.
)

regional_hints = Table(
    "regional_hints",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("region_code", String(6), nullable=False),
    Column("level", String(8), nullable=False),
    Column("start_at", UtcDateTime(), nullable=False),
    Column("end_at", UtcDateTime(), nullable=False),
    Column("issuer", Text, nullable=False),
    Column("document_number", Text, nullable=False),
    Column("area", Text, nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("lifted_at", UtcDateTime(), nullable=True),  # its 调度令 lifted: binds no more
    Column("measures", JSON, nullable=True),  # what it adds to the notices (None: nothing)
    Column("counties", JSON, nullable=True),  # the counties it binds (None: the whole city)
    UniqueConstraint("issuer", "document_number", name="uq_regional_hints_document"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("actor", Text, nullable=False),
    Column("action", String(24), nullable=False),
    Column("alert_id", ForeignKey("alerts.id", ondelete="CASCADE"), nullable=True, index=True),
    Column("revision_id", ForeignKey("alert_revisions.id", ondelete="CASCADE"), nullable=True),
    Column("reason", Text, nullable=False),
    Column("detail", JSON, nullable=False),
)

notices = Table(
    "notices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "revision_id",
        ForeignKey("alert_revisions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("uscc", String(18), nullable=False),  # "" for city-wide documents
    Column("kind", String(16), nullable=False),  # bulletin, adjust, lift, order, public, sms, cap
    Column("filename", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    UniqueConstraint("revision_id", "uscc", "kind", name="uq_notices_revision_uscc_kind"),
)

order_frames = Table(
    # What every dispatch order of a revision shares (head, issuer, number, signature): kept once;
    # each order's row in ``notices`` holds only its enterprise's part, and the order as sent is
    # prefix + part + suffix. Empty prefix and suffix: the rows hold whole orders.
    "order_frames",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "revision_id",
        ForeignKey("alert_revisions.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    Column("prefix", Text, nullable=False),
    Column("suffix", Text, nullable=False),
)
control_rounds = Table(
    # One round of a recurring control (常态化管控): a season of a standing control, or a day of a
    # forecast-triggered one; unique per control and period, so that running it again changes
    # nothing. Its notices go through the same outbox and receipts as dispatch orders.
    "control_rounds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("region_code", String(6), nullable=False),
    Column("control", String(48), nullable=False),
    Column("title", Text, nullable=False),
    Column("period_start", UtcDateTime(), nullable=False),
    Column("period_end", UtcDateTime(), nullable=False),
    Column("list_revision", Integer, nullable=False),
    Column("issued_at", UtcDateTime(), nullable=False),
    Column("receipt_deadline", UtcDateTime(), nullable=False),
    Column("record", JSON, nullable=False),  # the control as applied, trigger evidence, counts
    Column("enqueued_at", UtcDateTime(), nullable=True),  # its notices put in the outbox
    UniqueConstraint("region_code", "control", "period_start", name="uq_control_rounds_period"),
)

control_round_entries = Table(
    # One enterprise of a round: what it must do (plan-entry shaped) and its notice as sent.
    "control_round_entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("round_id", ForeignKey("control_rounds.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("uscc", String(18), nullable=False),
    Column("record", JSON, nullable=False),
    Column("body", Text, nullable=False),  # the notice (HTML)
    UniqueConstraint("round_id", "uscc", name="uq_control_round_entries_uscc"),
)


#: A delivery belongs to exactly one subject (revision, round or coverage run).
DELIVERY_SUBJECT = (
    "(CASE WHEN revision_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN round_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN coverage_id IS NULL THEN 0 ELSE 1 END) = 1"
)


def _subject_columns(table: str) -> list[Any]:
    """What a delivery, acknowledgement, report or escalation belongs to: an issued alert
    revision's notices, or a control round's — exactly one of the two."""
    return [
        Column("revision_id", ForeignKey("alert_revisions.id", ondelete="CASCADE"), nullable=True),
        Column("round_id", ForeignKey("control_rounds.id", ondelete="CASCADE"), nullable=True),
        CheckConstraint("(revision_id IS NULL) <> (round_id IS NULL)", name=f"ck_{table}_subject"),
    ]


deliveries = Table(
    # The outbox: one row per notice, recipient and channel. ``key`` is the idempotency key
    # (revision:kind:recipient:channel[:round]) sent with the message, so that neither a retry
    # nor a restart nor a second worker delivers the same notice on the same channel twice.
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", Text, nullable=False, unique=True),
    # an alert revision's, a control round's, or a coverage run's (its check tasks): one of three
    Column("revision_id", ForeignKey("alert_revisions.id", ondelete="CASCADE"), nullable=True),
    Column("round_id", ForeignKey("control_rounds.id", ondelete="CASCADE"), nullable=True),
    Column("coverage_id", ForeignKey("coverage_runs.id", ondelete="CASCADE"), nullable=True),
    CheckConstraint(DELIVERY_SUBJECT, name="ck_deliveries_subject"),
    Column("kind", String(16), nullable=False),  # order, report (to a county contact)
    Column("recipient", String(64), nullable=False),  # USCC, or county:<name>
    Column("recipient_name", Text, nullable=False),
    Column("county", Text, nullable=False),
    Column("channel", String(32), nullable=False),
    Column("address", Text, nullable=False),  # phone, e-mail, robot URL, … ("" for folder)
    Column("reason", String(16), nullable=False),  # initial, fallback, escalation, resend
    Column("payload", Text, nullable=True),  # composed text (reports); orders are read from notices
    Column("status", String(12), nullable=False),  # pending sending sent delivered failed dead
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("lease_until", UtcDateTime(), nullable=True),
    Column("claimed_by", Text, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("sent_at", UtcDateTime(), nullable=True),
    Column("delivered_at", UtcDateTime(), nullable=True),
    Index("ix_deliveries_due", "status", "next_attempt_at"),
    Index("ix_deliveries_revision", "revision_id", "recipient"),
    Index("ix_deliveries_round", "round_id", "recipient"),
    Index("ix_deliveries_coverage", "coverage_id", "recipient"),
)
outbox_revisions = Table(
    # Issued revisions whose notices were put in the outbox (once, by whichever worker first).
    "outbox_revisions",
    metadata,
    Column("revision_id", ForeignKey("alert_revisions.id", ondelete="CASCADE"), primary_key=True),
    Column("enqueued_at", UtcDateTime(), nullable=False),
)
acknowledgements = Table(
    # 签收: an enterprise acknowledged its order of a revision (once).
    "acknowledgements",
    metadata,
    Column("id", Integer, primary_key=True),
    *_subject_columns("acknowledgements"),
    Column("uscc", String(18), nullable=False),
    Column("acknowledged_at", UtcDateTime(), nullable=False),
    Column("signer", Text, nullable=False),  # who signed for the enterprise
    UniqueConstraint("revision_id", "uscc", name="uq_acknowledgements_revision_uscc"),
    UniqueConstraint("round_id", "uscc", name="uq_acknowledgements_round_uscc"),
)
implementation_reports = Table(
    # 落实情况: an enterprise's report on its measures (the newest one counts).
    "implementation_reports",
    metadata,
    Column("id", Integer, primary_key=True),
    *_subject_columns("implementation_reports"),
    Column("uscc", String(18), nullable=False),
    Column("reported_at", UtcDateTime(), nullable=False),
    Column("items", JSON, nullable=False),  # [{"line": …, "measure": …, "done": bool, "note": …}]
    Column("note", Text, nullable=False),
    # every item done (kept beside the items so that pages filter on it in SQL)
    Column("complete", Boolean, nullable=False, server_default=false()),
    Index("ix_implementation_reports_revision", "revision_id", "uscc"),
    Index("ix_implementation_reports_round", "round_id", "uscc"),
)
escalations = Table(
    # An overdue order was re-sent on the next channel and reported to its county (once).
    "escalations",
    metadata,
    Column("id", Integer, primary_key=True),
    *_subject_columns("escalations"),
    Column("uscc", String(18), nullable=False),
    Column("escalated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("revision_id", "uscc", name="uq_escalations_revision_uscc"),
    UniqueConstraint("round_id", "uscc", name="uq_escalations_round_uscc"),
)
daily_reports = Table(
    # 每日调度: an enterprise's or a unit's report on one day of an alert (migration 0021), one per
    # alert, reporter and day — reporting again replaces it.
    "daily_reports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("alert_id", ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
    Column("day", Date, nullable=False),
    Column("code", String(18), nullable=False),  # USCC, or a unit's code
    Column("reporter", String(12), nullable=False),  # enterprise, unit
    Column("revision_id", ForeignKey("alert_revisions.id", ondelete="CASCADE"), nullable=False),
    Column("items", JSON, nullable=False),  # [{"key", "done", "note", "figure"}]
    Column("note", Text, nullable=False),
    Column("complete", Boolean, nullable=False),
    # the items counted (migration 0022): a day's roll-up reads the items only where needed
    Column("items_count", Integer, nullable=False, server_default="0"),
    Column("done_count", Integer, nullable=False, server_default="0"),
    Column("reported_at", UtcDateTime(), nullable=False),
    Column("reported_by", Text, nullable=False),
    Column("via", String(12), nullable=False),  # page, console, api
    UniqueConstraint("alert_id", "code", "day", name="uq_daily_reports_day"),
    Index("ix_daily_reports_alert_day", "alert_id", "day"),
)
daily_rounds = Table(
    # Each day of an alert the office chased the missing and sent the roll-up (once a day).
    "daily_rounds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("alert_id", ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
    Column("day", Date, nullable=False),
    Column("done_at", UtcDateTime(), nullable=False),
    Column("summary", JSON, nullable=False),  # the roll-up's counts as sent
    UniqueConstraint("alert_id", "day", name="uq_daily_rounds_day"),
)
electricity_readings = Table(
    # Hourly electricity use per meter (电表), for the compliance check of stopped/limited lines.
    "electricity_readings",
    metadata,
    Column("meter_no", String(64), primary_key=True),
    Column("hour", UtcDateTime(), primary_key=True),  # the hour that starts then
    Column("kwh", Float, nullable=False),
)
cems_readings = Table(
    # Hourly CEMS readings per outlet and pollutant (在线监测: 折算浓度 mg/m³, 标干流量 m³/h),
    # the evidence an outlet's emission rate fell as its enterprise's measures order.
    "cems_readings",
    metadata,
    Column("uscc", String(18), primary_key=True),
    Column("outlet", String(100), primary_key=True),
    Column("pollutant", String(8), primary_key=True),
    Column("hour", UtcDateTime(), primary_key=True),  # the hour that starts then
    Column("concentration", Float, nullable=False),
    Column("flow", Float, nullable=False),
    Index("ix_cems_readings_hour", "hour"),
)
gate_passages = Table(
    # Heavy trucks at a site's gate camera (门禁), with their emission stage (排放阶段).
    "gate_passages",
    metadata,
    Column("uscc", String(18), primary_key=True),
    Column("plate", String(20), primary_key=True),
    Column("passed_at", UtcDateTime(), primary_key=True),
    Column("stage", String(20), nullable=False),
    Index("ix_gate_passages_at", "passed_at"),
)
load_readings = Table(
    # Hourly load per production line (运行负荷: MW, t/h steam or % of the rated load), the
    # evidence of load caps.
    "load_readings",
    metadata,
    Column("uscc", String(18), primary_key=True),
    Column("line", String(200), primary_key=True),
    Column("hour", UtcDateTime(), primary_key=True),  # the hour that starts then
    Column("value", Float, nullable=False),
    Column("unit", String(8), nullable=False),
)

consultations = Table(
    # 每日会商: one consultation per region and slot (the time it was run for). Running a slot
    # again returns this row; the draft it proposed is linked, and whether duty officers were told.
    "consultations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("region_code", String(6), nullable=False),
    Column("slot", UtcDateTime(), nullable=False),
    Column("ran_at", UtcDateTime(), nullable=False),
    Column("trigger", String(16), nullable=False),  # manual, schedule
    Column("source", Text, nullable=False),  # forecast source name
    Column("degraded", Boolean, nullable=False),
    Column("action", String(12), nullable=False),  # issue upgrade downgrade extend lift none
    Column("level", String(8), nullable=True),
    Column("alert_id", ForeignKey("alerts.id", ondelete="SET NULL"), nullable=True),
    Column("revision_id", ForeignKey("alert_revisions.id", ondelete="SET NULL"), nullable=True),
    Column("record", JSON, nullable=False),  # the opinion (opinion.build_record)
    Column("html", Text, nullable=False),  # the opinion as rendered when recorded
    Column("notify_attempts", Integer, nullable=False),
    Column("notified_at", UtcDateTime(), nullable=True),
    Column("notify_error", Text, nullable=True),
    UniqueConstraint("region_code", "slot", name="uq_consultations_region_slot"),
)

scheduler_runs = Table(
    # The scheduler's run history. (job, slot) is unique: of two schedulers firing the same slot,
    # one inserts the row and runs; the other sees it and does not. A run whose lease ran out
    # (its process died) may be taken over.
    "scheduler_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("job", String(48), nullable=False),
    Column("slot", UtcDateTime(), nullable=False),
    Column("status", String(12), nullable=False),  # running done failed skipped
    Column("runner", Text, nullable=False),  # host:pid
    Column("started_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime(), nullable=True),
    Column("lease_until", UtcDateTime(), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("detail", Text, nullable=False),
    Column("consultation_id", ForeignKey("consultations.id", ondelete="SET NULL"), nullable=True),
    UniqueConstraint("job", "slot", name="uq_scheduler_runs_job_slot"),
)

process_beats = Table(
    # The long-running processes' sign of life: each delivery worker and scheduler records its
    # newest round (the console's dashboard warns when none has run for a while).
    "process_beats",
    metadata,
    Column("process", String(16), nullable=False),  # delivery, scheduler
    Column("runner", String(120), nullable=False),  # host:pid
    Column("beat_at", UtcDateTime(), nullable=False),
    Column("detail", Text, nullable=False),
    PrimaryKeyConstraint("process", "runner", name="pk_process_beats"),
)


# --- the province–city tiers ------------------------------------------------------------------

directives = Table(
    # The province's 调度令 (the province's database). Numbered on issue per province and year.
    "directives",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("province", String(6), nullable=False),
    Column("title", Text, nullable=False),
    Column("cities", JSON, nullable=False),
    Column("counties", JSON, nullable=False),
    Column("level", String(8), nullable=False),
    Column("start_at", UtcDateTime(), nullable=False),
    Column("end_at", UtcDateTime(), nullable=False),
    Column("measures", JSON, nullable=False),
    Column("reason", Text, nullable=False),
    Column("report_within_hours", Integer, nullable=False),
    Column("daily_report_by", String(5), nullable=False),  # HH:MM, local time
    Column("status", String(16), nullable=False),
    Column("drafted_by", Text, nullable=False),
    Column("approved_by", Text, nullable=False),
    Column("year", Integer, nullable=True),
    Column("seq", Integer, nullable=True),
    Column("number", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("issued_at", UtcDateTime(), nullable=True),
    Column("lifted_at", UtcDateTime(), nullable=True),
    Column("lift_reason", Text, nullable=False),
    # its lifting notice's number, from the same sequence as the orders' (year, seq)
    Column("lift_year", Integer, nullable=True),
    Column("lift_seq", Integer, nullable=True),
    Column("lift_number", Text, nullable=True),
    UniqueConstraint("province", "year", "seq", name="uq_directives_number"),
    Index("uq_directives_lift_number", "province", "lift_year", "lift_seq", unique=True),
)

directive_cities = Table(
    # Each city a 调度令 binds: when it was handed to the city (and its lifting), and chased.
    "directive_cities",
    metadata,
    Column("directive_id", ForeignKey("directives.id", ondelete="CASCADE"), nullable=False),
    Column("city", String(6), nullable=False),
    Column("forwarded_at", UtcDateTime(), nullable=True),
    Column("lift_forwarded_at", UtcDateTime(), nullable=True),
    Column("chased_at", UtcDateTime(), nullable=True),
    PrimaryKeyConstraint("directive_id", "city", name="pk_directive_cities"),
)

directive_reports = Table(
    # What a city reported back on a 调度令: one of each kind per day (a later one replaces it).
    "directive_reports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("directive_id", ForeignKey("directives.id", ondelete="CASCADE"), nullable=False),
    Column("city", String(6), nullable=False),
    Column("kind", String(16), nullable=False),  # start daily lift_request
    Column("day", Text, nullable=False),  # YYYY-MM-DD of a daily report, "" for the others
    Column("body", JSON, nullable=False),
    Column("reported_at", UtcDateTime(), nullable=False),
    UniqueConstraint("directive_id", "city", "kind", "day", name="uq_directive_reports_one"),
)

received_directives = Table(
    # A city's record of a 调度令 its province sent (the city's database): once per order.
    "received_directives",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("province", String(6), nullable=False),
    Column("ref", Integer, nullable=False),  # the order's id at the province
    Column("number", Text, nullable=False),
    Column("body", JSON, nullable=False),  # the order as the province sent it
    Column("received_at", UtcDateTime(), nullable=False),
    Column("hint_id", ForeignKey("regional_hints.id"), nullable=True),
    Column("alert_id", Integer, nullable=True),  # the alert its drafted action belongs to
    Column("note", Text, nullable=False),  # what was drafted on receipt
    Column("lifted_at", UtcDateTime(), nullable=True),
    Column("lift_reason", Text, nullable=False),
    Column("chased_at", UtcDateTime(), nullable=True),  # the province chased a late report
    Column("lift_requested_at", UtcDateTime(), nullable=True),
    Column("lift_request", Text, nullable=False),
    Column("told_at", UtcDateTime(), nullable=True),  # the duty officers told of it
    Column("telling_at", UtcDateTime(), nullable=True),  # a process is telling them (a lease)
    UniqueConstraint("province", "ref", name="uq_received_directives_ref"),
)

lift_requests = Table(
    # A city's requests (请示) to lift a 调度令 early: each a document numbered in the city's
    # yearly sequence (config/approval.toml notices.request_number), kept every one.
    "lift_requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("province", String(6), nullable=False),
    Column("ref", Integer, nullable=False),  # the order's id at the province
    Column("year", Integer, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("number", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("requested_by", Text, nullable=False),  # who signs it (签发人)
    Column("requested_at", UtcDateTime(), nullable=False),
    UniqueConstraint("year", "seq", name="uq_lift_requests_seq"),
    Index("ix_lift_requests_order", "province", "ref"),
)

federation_log = Table(
    # Every signed message between installations, as it was judged (region.federation.judge):
    # what was applied (``verdict`` new) is what later messages about its subject are measured
    # against; a message is applied once (its digest is unique per subject).
    "federation_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", String(6), nullable=False),  # who signed it (a province's or city's code)
    Column("subject", Text, nullable=False),  # an order (990000:3), a report (…:990100:daily:…)
    Column("sent", UtcDateTime(), nullable=False),
    Column("digest", String(64), nullable=False),  # SHA-256 of the signed bytes
    Column("verdict", String(16), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Index("ix_federation_log_subject", "subject"),
    Index(
        "uq_federation_log_applied",
        "subject",
        "digest",
        unique=True,
        sqlite_where=text("verdict = 'new'"),
        postgresql_where=text("verdict = 'new'"),
    ),
)

federation_outbox = Table(
    # Signed messages waiting to go to the other installation (a city's report-backs), retried
    # with back-off; ``key`` names what it is about, so a newer version replaces one not yet sent.
    "federation_outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", Text, nullable=False, unique=True),
    Column("data", Text, nullable=False),
    Column("signature", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_at", UtcDateTime(), nullable=False),  # due (or, while claimed, its lease)
    Column("sent_at", UtcDateTime(), nullable=True),
    Column("error", Text, nullable=False),
)

# --- the console -------------------------------------------------------------------------------

users = Table(
    # Console users. ``display_name`` is the name signed on documents (four-eyes compares it).
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(32), nullable=False, unique=True),
    Column("display_name", Text, nullable=False),
    Column("role", String(16), nullable=False),  # a Role's value
    # The region the account acts for: a city's or the province's code (None: the area the
    # installation serves).
    Column("region", String(6), nullable=True),
    Column("password_hash", Text, nullable=False),  # Argon2id
    Column("active", Boolean, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("last_login_at", UtcDateTime(), nullable=True),
)

sign_in_attempts = Table(
    # Failed sign-ins per username typed, whether or not such a user exists (a lockout then says
    # nothing about who exists); each attempt is counted in one statement before its password is
    # checked, so parallel guesses cannot outrun the count.
    "sign_in_attempts",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("locked_until", UtcDateTime(), nullable=True),
    Column("last_at", UtcDateTime(), nullable=False, index=True),
)

web_sessions = Table(
    # A signed-in browser: the cookie holds a random token, this row only its SHA-256.
    "web_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("csrf", String(64), nullable=False),  # every form of the session carries it
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
)

api_tokens = Table(
    # Tokens of integrations, acting as a user (``Authorization: Bearer …``); SHA-256 only.
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("last_used_at", UtcDateTime(), nullable=True),
    Column("revoked_at", UtcDateTime(), nullable=True),
    Column("expires_at", UtcDateTime(), nullable=True),  # None only before migration 0015
)
