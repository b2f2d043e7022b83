"""What the emergency command office does to alerts: draft, submit, approve, issue, adjust, lift.

Each action is one transaction. The pure state machine (:mod:`orchestrator.plans.lifecycle`) says
whether a move is legal; the database makes it stick exactly once: every status change is an
``UPDATE … WHERE status = <the status we saw>``, so of two approvers racing, exactly one wins and
the other is told the alert has moved on. Document numbers are unique per issuer and year in the
database and never reused. Every action is appended to the audit log (who, when, what, why).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, Table, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from orchestrator import audit
from orchestrator.alerts.model import AlertLevel
from orchestrator.config_files import Approvals
from orchestrator.db import lists as list_repo
from orchestrator.db.tables import (
    alert_revisions,
    alerts,
    audit_log,
    document_numbers,
    list_plan_entries,
    list_plans,
    plan_entries,
    regional_hints,
)
from orchestrator.emissions.model import CityProfile
from orchestrator.emissions.targets import LevelCheck, check_reduction, species_json
from orchestrator.errors import OrchestratorError
from orchestrator.plans import lifecycle as lc
from orchestrator.plans.dispatch import (
    Change,
    EntryChange,
    PlanEntry,
    diff_plans,
    entry_from_record,
    level_record,
)
from orchestrator.plans.lifecycle import (
    IllegalTransition,
    Person,
    RevisionKind,
    RevisionState,
    RevisionStatus,
)


class AlertNotFound(OrchestratorError):
    """Raised by the command office when an alert id does not exist."""


@dataclass(frozen=True, slots=True)
class RevisionView:
    alert_id: int
    revision_id: int
    state: RevisionState
    reason: str
    document_number: str | None
    list_revision: int | None
    targets: dict[str, Any] | None = None  # the plan's reduction check, frozen at approval

    @property
    def shortfall(self) -> bool:
        return self.targets is not None and not self.targets["met"]


def _view(row: Any) -> RevisionView:
    # UtcDateTime columns come back timezone-aware on every backend.
    return RevisionView(
        alert_id=row.alert_id,
        revision_id=row.id,
        state=RevisionState(
            number=row.number,
            kind=RevisionKind(row.kind),
            level=AlertLevel(row.level),
            start=row.start_at,
            end=row.end_at,
            status=RevisionStatus(row.status),
            drafted_by=row.drafted_by,
            approved_by=row.approved_by,
            issued_at=row.issued_at,
            shortfall_override=row.shortfall_override,
        ),
        reason=row.reason,
        document_number=row.document_number,
        list_revision=row.list_revision,
        targets=row.targets,
    )


def _revisions(conn: Connection, alert_id: int) -> list[RevisionView]:
    rows = conn.execute(
        select(alert_revisions)
        .where(alert_revisions.c.alert_id == alert_id)
        .order_by(alert_revisions.c.number)
    ).all()
    if (
        not rows
        and conn.execute(select(alerts.c.id).where(alerts.c.id == alert_id)).first() is None
    ):
        raise AlertNotFound(f"预警{alert_id}不存在")
    return [_view(r) for r in rows]


def current(views: list[RevisionView]) -> RevisionView:
    """The revision an action applies to: the open one, else the newest."""
    open_ = [v for v in views if v.state.status.open]
    return open_[-1] if open_ else views[-1]


def _last_issued(views: list[RevisionView]) -> RevisionView | None:
    issued = [v for v in views if v.state.status is RevisionStatus.ISSUED]
    return issued[-1] if issued else None


def _move(conn: Connection, view: RevisionView, new: RevisionState, **extra: Any) -> None:
    """Write ``new`` only if nobody moved the revision since we read it."""
    result = conn.execute(
        update(alert_revisions)
        .where(
            alert_revisions.c.id == view.revision_id,
            alert_revisions.c.status == view.state.status.value,
        )
        .values(
            status=new.status.value,
            approved_by=new.approved_by,
            issued_at=new.issued_at,
            shortfall_override=new.shortfall_override,
            **extra,
        )
    )
    if result.rowcount != 1:
        raise IllegalTransition("该预警已被他人处理，请刷新后重试")


def _check_hint_floor(
    conn: Connection, region: str, level: AlertLevel, start: dt.datetime, end: dt.datetime | None
) -> None:
    """Nothing may be issued below an active regional hint's level inside its window."""
    rows = conn.execute(select(regional_hints).where(regional_hints.c.region_code == region)).all()
    for h in rows:
        h_start, h_end = h.start_at, h.end_at
        overlaps = start < h_end and (end is None or end > h_start)
        if overlaps and AlertLevel(h.level).rank > level.rank:
            raise IllegalTransition(
                f"{h.issuer}{h.document_number}要求{h_start.astimezone(start.tzinfo):%m月%d日%H时}至"
                f"{h_end.astimezone(start.tzinfo):%m月%d日%H时}不低于{AlertLevel(h.level).label}预警，不能按{level.label}预警执行"
            )


def draft(
    engine: Engine,
    *,
    region: str,
    kind: RevisionKind,
    level: AlertLevel,
    start: dt.datetime,
    end: dt.datetime | None,
    by: Person,
    reason: str,
    now: dt.datetime,
    alert_id: int | None = None,
    hint_id: int | None = None,
) -> RevisionView:
    """A new alert (kind ISSUE) or a new revision of an issued one (upgrade/downgrade/extend/lift)."""
    with engine.begin() as conn:
        return draft_in(
            conn,
            region=region,
            kind=kind,
            level=level,
            start=start,
            end=end,
            by=by,
            reason=reason,
            now=now,
            alert_id=alert_id,
            hint_id=hint_id,
        )


def draft_in(
    conn: Connection,
    *,
    region: str,
    kind: RevisionKind,
    level: AlertLevel,
    start: dt.datetime,
    end: dt.datetime | None,
    by: Person,
    reason: str,
    now: dt.datetime,
    alert_id: int | None = None,
    hint_id: int | None = None,
) -> RevisionView:
    """:func:`draft` inside the caller's transaction (a consultation records its draft with it)."""
    if kind is RevisionKind.ISSUE:
        lc.check_new_revision(None, kind, level, end)
        _check_hint_floor(conn, region, level, start, end)
        alert_id = conn.execute(
            insert(alerts).values(region_code=region, created_at=now, hint_id=hint_id)
        ).inserted_primary_key[0]  # type: ignore[index]
        number, previous_id = 1, None
    else:
        if alert_id is None:
            raise IllegalTransition("调整或解除须指定预警编号")
        views = _revisions(conn, alert_id)
        if any(v.state.status.open for v in views):
            raise IllegalTransition("该预警已有未完成的调整，请先处理或撤回")
        prev = _last_issued(views)
        lc.check_new_revision(prev.state if prev else None, kind, level, end)
        assert prev is not None
        if kind is not RevisionKind.LIFT:
            _check_hint_floor(conn, region, level, start, end)
        number, previous_id = views[-1].state.number + 1, prev.revision_id
    state = RevisionState(
        number=number,
        kind=kind,
        level=level,
        start=start,
        end=end,
        status=RevisionStatus.DRAFT,
        drafted_by=by.name,
    )
    rid = conn.execute(
        insert(alert_revisions).values(
            alert_id=alert_id,
            number=number,
            kind=kind.value,
            level=level.value,
            start_at=start,
            end_at=end,
            status=RevisionStatus.DRAFT.value,
            drafted_by=by.name,
            reason=reason,
            previous_id=previous_id,
        )
    ).inserted_primary_key[0]  # type: ignore[index]
    audit.record(
        conn,
        at=now,
        actor=by.name,
        action=f"draft_{kind.value}",
        alert_id=alert_id,
        revision_id=rid,
        reason=reason,
        detail={
            "level": level.value,
            "start": start.isoformat(),
            "end": end.isoformat() if end else None,
        },
    )
    assert alert_id is not None
    return RevisionView(alert_id, rid, state, reason, None, None)


def _step(
    engine: Engine,
    alert_id: int,
    *,
    by: Person,
    now: dt.datetime,
    action: str,
    move: Callable[[RevisionState], RevisionState],
    reason: str = "",
) -> RevisionView:
    """One plain state change of the open revision, audited."""
    with engine.begin() as conn:
        view = current(_revisions(conn, alert_id))
        new = move(view.state)
        _move(conn, view, new)
        audit.record(
            conn,
            at=now,
            actor=by.name,
            action=action,
            alert_id=alert_id,
            revision_id=view.revision_id,
            reason=reason,
        )
        return dataclasses.replace(view, state=new)


def submit(engine: Engine, alert_id: int, *, by: Person, now: dt.datetime) -> RevisionView:
    return _step(
        engine, alert_id, by=by, now=now, action="submit", move=lambda st: lc.submit(st, by)
    )


def reject(
    engine: Engine, alert_id: int, *, by: Person, now: dt.datetime, reason: str
) -> RevisionView:
    return _step(
        engine,
        alert_id,
        by=by,
        now=now,
        action="reject",
        move=lambda st: lc.reject(st, by),
        reason=reason,
    )


def withdraw(
    engine: Engine, alert_id: int, *, by: Person, now: dt.datetime, reason: str
) -> RevisionView:
    return _step(
        engine,
        alert_id,
        by=by,
        now=now,
        action="withdraw",
        move=lambda st: lc.withdraw(st, by),
        reason=reason,
    )


@dataclass(frozen=True, slots=True)
class Approval:
    view: RevisionView
    enterprises: int  # entries of the frozen plan (0 for a lift)
    check: LevelCheck | None  # None for a lift
    changes: list[EntryChange] = dataclasses.field(default_factory=list)  # vs the plan in force

    def count(self, change: Change) -> int:
        return sum(c.change is change for c in self.changes)

    @property
    def shortfall(self) -> bool:
        return self.view.shortfall


def approve(
    engine: Engine,
    alert_id: int,
    *,
    by: Person,
    now: dt.datetime,
    approvals: Approvals,
    city: CityProfile,
) -> Approval:
    """Approve, then freeze the dispatch plan of the list revision in force as the revision's own.

    The plan of a list revision for a level is selected once, when the list is imported
    (:func:`orchestrator.db.lists.store_plans`); freezing it is a copy inside the database, and
    the reduction check weighs what that plan achieves against the city's current targets."""
    with engine.begin() as conn:
        views = _revisions(conn, alert_id)
        view = current(views)
        new = lc.approve(view.state, by, approvals.policy)
        check: LevelCheck | None = None
        list_number: int | None = None
        plan_id: int | None = None
        enterprises = 0
        if view.state.kind is not RevisionKind.LIFT:
            list_number = list_repo.in_force(
                conn, city.region_code, view.state.start.astimezone(now.tzinfo).date()
            )
            plan_id, reduction = list_repo.level_plan(
                conn, city.region_code, list_number, view.state.level
            )
            check = check_reduction(reduction, city)
            enterprises = _count(conn, PlanSource.of_list_plan(conn, plan_id))
        targets = _targets_record(check) if check is not None else None
        _move(
            conn,
            view,
            new,
            list_revision=list_number,
            targets=targets,
            plan_id=plan_id if check is not None else None,
        )
        # who must do more, who may relax or resume, against the plan in force
        prev = _last_issued(views)
        changes: list[EntryChange] = []
        if prev is not None:
            changes = diff_plans(
                _plan(conn, prev.revision_id),
                _plan(conn, view.revision_id) if check is not None else None,
            )
        audit.record(
            conn,
            at=now,
            actor=by.name,
            action="approve",
            alert_id=alert_id,
            revision_id=view.revision_id,
            detail={
                "list_revision": list_number,
                "enterprises": enterprises,
                "targets_met": check.met if check else None,
                "changes": {
                    c.value: sum(x.change is c for x in changes) for c in Change if changes
                },
            },
        )
        return Approval(
            dataclasses.replace(view, state=new, list_revision=list_number, targets=targets),
            enterprises,
            check,
            changes,
        )


@dataclass(frozen=True, slots=True)
class PlanSource:
    """Where an alert revision's frozen plan is: the plan entries of its list revision
    (``list_plan_entries``, every level in one record; :meth:`entry` takes out the revision's
    level), or, for revisions approved before migration 0005, the copy made then
    (``plan_entries``). ``ordinal`` orders the entries."""

    table: Table
    where: ColumnElement[bool]
    ordinal: ColumnElement[int]
    level: AlertLevel | None  # None: records are already one level's entries

    def entry(self, record: dict[str, Any]) -> dict[str, Any]:
        """A stored record as the level's plan entry (``entry_record`` shape)."""
        return record if self.level is None else level_record(record, self.level)

    @classmethod
    def of_list_plan(cls, conn: Connection, plan_id: int) -> PlanSource:
        revision_id, level = conn.execute(
            select(list_plans.c.revision_id, list_plans.c.level).where(list_plans.c.id == plan_id)
        ).one()
        t = list_plan_entries
        return cls(t, t.c.revision_id == revision_id, t.c.position, AlertLevel(level))

    @classmethod
    def of(cls, conn: Connection, revision_id: int) -> PlanSource:
        plan_id = conn.execute(
            select(alert_revisions.c.plan_id).where(alert_revisions.c.id == revision_id)
        ).scalar()
        if plan_id is not None:
            return cls.of_list_plan(conn, plan_id)
        t = plan_entries
        return cls(t, t.c.revision_id == revision_id, t.c.id, None)


def _count(conn: Connection, source: PlanSource) -> int:
    return int(
        conn.execute(select(func.count()).select_from(source.table).where(source.where)).scalar()
        or 0
    )


def plan_size(conn: Connection, revision_id: int) -> int:
    """Entries of the plan frozen with an alert revision."""
    return _count(conn, PlanSource.of(conn, revision_id))


def _records(conn: Connection, revision_id: int) -> list[dict[str, Any]]:
    source = PlanSource.of(conn, revision_id)
    return [
        source.entry(rec)
        for rec in conn.execute(
            select(source.table.c.record).where(source.where).order_by(source.ordinal)
        ).scalars()
    ]


def _plan(conn: Connection, revision_id: int) -> list[PlanEntry]:
    return [entry_from_record(rec) for rec in _records(conn, revision_id)]


def _targets_record(check: LevelCheck) -> dict[str, Any]:
    return {"met": check.met, "species": species_json(check)}


def _next_number(conn: Connection, issuer_code: str, year: int, revision_id: int) -> str:
    for _ in range(5):
        seq = (
            conn.execute(
                select(func.max(document_numbers.c.seq)).where(
                    document_numbers.c.issuer_code == issuer_code, document_numbers.c.year == year
                )
            ).scalar()
            or 0
        ) + 1
        try:
            with conn.begin_nested():
                conn.execute(
                    insert(document_numbers).values(
                        issuer_code=issuer_code, year=year, seq=seq, revision_id=revision_id
                    )
                )
        except IntegrityError:
            continue  # someone took that number a moment ago: take the next one
        return f"{issuer_code}〔{year}〕{seq}号"
    raise IllegalTransition("文号分配冲突，请重试")


def issue(
    engine: Engine,
    alert_id: int,
    *,
    by: Person,
    now: dt.datetime,
    approvals: Approvals,
    city: CityProfile,
    override: str | None = None,
) -> tuple[RevisionView, list[str]]:
    """Issue the approved revision: document number, supersede or lift the previous one.

    Returns the issued revision and warnings (lead time)."""
    warnings: list[str] = []
    with engine.begin() as conn:
        views = _revisions(conn, alert_id)
        view = current(views)
        shortfall = view.shortfall  # the check frozen at approval, not the list reloaded
        if view.state.kind is not RevisionKind.LIFT:
            _check_hint_floor(
                conn, city.region_code, view.state.level, view.state.start, view.state.end
            )
        new = lc.issue(view.state, by, now=now, shortfall=shortfall, override=override)
        if view.state.kind is RevisionKind.ISSUE:
            w = lc.lead_time_warning(view.state.start, now, approvals.policy)
            if w:
                warnings.append(w)
        number = _next_number(
            conn,
            approvals.issuer_code,
            now.astimezone(view.state.start.tzinfo).year,
            view.revision_id,
        )
        _move(conn, view, new, document_number=number)
        prev = _last_issued(views)
        if prev is not None:
            final = (
                RevisionStatus.LIFTED
                if view.state.kind is RevisionKind.LIFT
                else RevisionStatus.SUPERSEDED
            )
            conn.execute(
                update(alert_revisions)
                .where(alert_revisions.c.id == prev.revision_id)
                .values(status=final.value)
            )
        audit.record(
            conn,
            at=now,
            actor=by.name,
            action=f"issue_{view.state.kind.value}",
            alert_id=alert_id,
            revision_id=view.revision_id,
            reason=override or "",
            detail={"document_number": number, "warnings": warnings},
        )
        return dataclasses.replace(view, state=new, document_number=number), warnings


def revisions(engine: Engine, alert_id: int) -> list[RevisionView]:
    with engine.connect() as conn:
        return _revisions(conn, alert_id)


def all_alerts(engine: Engine, region: str) -> list[RevisionView]:
    """The current revision of every alert, newest alert first."""
    with engine.connect() as conn:
        ids = [
            r
            for (r,) in conn.execute(
                select(alerts.c.id)
                .where(alerts.c.region_code == region)
                .order_by(alerts.c.id.desc())
            )
        ]
        return [current(_revisions(conn, i)) for i in ids]


def frozen_plan(engine: Engine, revision_id: int) -> list[dict[str, Any]]:
    """The plan frozen with an alert revision at approval, as stored (plan records)."""
    with engine.connect() as conn:
        return _records(conn, revision_id)


def audit_trail(engine: Engine, alert_id: int) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [
            {
                "at": r.at,
                "actor": r.actor,
                "action": r.action,
                "reason": r.reason,
                "detail": r.detail,
            }
            for r in conn.execute(
                select(audit_log).where(audit_log.c.alert_id == alert_id).order_by(audit_log.c.id)
            )
        ]


def add_hint(
    engine: Engine,
    *,
    region: str,
    level: AlertLevel,
    start: dt.datetime,
    end: dt.datetime,
    issuer: str,
    document_number: str,
    area: str,
    by: Person,
    now: dt.datetime,
) -> tuple[int, RevisionView]:
    """Record a regional hint and draft an alert of at least its level for its window."""
    if end <= start:
        raise IllegalTransition("区域预警提示的结束时间须晚于开始时间")
    with engine.begin() as conn:
        try:
            with conn.begin_nested():
                hid = conn.execute(
                    insert(regional_hints).values(
                        region_code=region,
                        level=level.value,
                        start_at=start,
                        end_at=end,
                        issuer=issuer,
                        document_number=document_number,
                        area=area,
                        recorded_at=now,
                    )
                ).inserted_primary_key[0]  # type: ignore[index]
        except IntegrityError:
            raise IllegalTransition(f"{issuer}{document_number}已登记") from None
    view = draft(
        engine,
        region=region,
        kind=RevisionKind.ISSUE,
        level=level,
        start=start,
        end=end,
        by=by,
        reason=f"依据{issuer}区域预警提示（{document_number}）",
        now=now,
        hint_id=hid,
    )
    return hid, view


@dataclass(frozen=True, slots=True)
class Situation:
    """What a consultation compares its decision with: the alert in force (its newest issued
    revision and whether a change of it is open), alerts drafted but not yet issued, and the
    strongest regional hint still running."""

    active: RevisionView | None
    active_open: bool
    pending_issue: tuple[int, ...]  # alert ids with an open first revision
    hint: dict[str, Any] | None


def situation(conn: Connection, region: str, now: dt.datetime, *, recent: int = 20) -> Situation:
    ids = [
        r
        for (r,) in conn.execute(
            select(alerts.c.id)
            .where(alerts.c.region_code == region)
            .order_by(alerts.c.id.desc())
            .limit(recent)
        )
    ]
    active: RevisionView | None = None
    active_open = False
    pending: list[int] = []
    for alert_id in ids:
        views = _revisions(conn, alert_id)
        issued = _last_issued(views)
        is_open = any(v.state.status.open for v in views)
        if issued is None:
            if is_open:
                pending.append(alert_id)
        elif active is None and issued.state.kind is not RevisionKind.LIFT:
            active, active_open = issued, is_open
    hints = conn.execute(
        select(regional_hints).where(
            regional_hints.c.region_code == region, regional_hints.c.end_at > now
        )
    ).all()
    strongest = max(hints, key=lambda h: (AlertLevel(h.level).rank, h.end_at), default=None)
    hint = (
        {
            "level": strongest.level,
            "start": strongest.start_at,
            "end": strongest.end_at,
            "issuer": strongest.issuer,
            "document_number": strongest.document_number,
            "area": strongest.area,
        }
        if strongest is not None
        else None
    )
    return Situation(active, active_open, tuple(pending), hint)
