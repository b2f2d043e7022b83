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

from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from orchestrator.alerts.model import AlertLevel
from orchestrator.config_files import Approvals
from orchestrator.db import lists as list_repo
from orchestrator.db.tables import (
    alert_revisions,
    alerts,
    audit_log,
    document_numbers,
    plan_entries,
    regional_hints,
)
from orchestrator.emissions.model import Amounts, CityProfile, EmissionList
from orchestrator.emissions.targets import LevelCheck, check_targets, species_json
from orchestrator.errors import OrchestratorError
from orchestrator.plans import lifecycle as lc
from orchestrator.plans.dispatch import (
    Change,
    DispatchPlan,
    EntryChange,
    PlanEntry,
    diff_plans,
    plan_for,
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


def _audit(
    conn: Connection,
    *,
    at: dt.datetime,
    actor: str,
    action: str,
    alert_id: int,
    revision_id: int | None,
    reason: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    conn.execute(
        insert(audit_log).values(
            at=at,
            actor=actor,
            action=action,
            alert_id=alert_id,
            revision_id=revision_id,
            reason=reason,
            detail=detail or {},
        )
    )


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
        _audit(
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
        _audit(
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
    plan: DispatchPlan | None  # None for a lift
    check: LevelCheck | None
    changes: list[EntryChange] = dataclasses.field(default_factory=list)  # vs the plan in force

    def count(self, change: Change) -> int:
        return sum(c.change is change for c in self.changes)

    @property
    def shortfall(self) -> bool:
        return self.view.shortfall


def _amounts(a: Amounts) -> dict[str, float]:
    return {"so2": a.so2, "nox": a.nox, "pm": a.pm, "vocs": a.vocs}


def _entry_record(e: PlanEntry) -> dict[str, Any]:
    """A plan entry as JSON, field for field (``dataclasses.asdict`` is 5× slower on 100,000)."""
    return {
        "uscc": e.uscc,
        "name": e.name,
        "county": e.county,
        "grade": e.grade,
        "category": e.category,
        "mode": e.mode.value,
        "lines": [
            {
                "name": ln.name,
                "industry": ln.industry,
                "measure": None
                if ln.measure is None
                else {
                    "level": ln.measure.level.value,
                    "kind": ln.measure.kind.value,
                    "text": ln.measure.text,
                    "value": ln.measure.value,
                    "reduction": _amounts(ln.measure.reduction),
                    "from_table": ln.measure.from_table,
                },
                "check_method": ln.check_method,
                "meter_no": ln.meter_no,
            }
            for ln in e.lines
        ],
        "reduction": _amounts(e.reduction),
        "contact": e.contact,
        "phone": e.phone,
        "email": e.email,
        "channel": e.channel,
    }


def approve(
    engine: Engine,
    alert_id: int,
    *,
    by: Person,
    now: dt.datetime,
    approvals: Approvals,
    city: CityProfile,
) -> Approval:
    """Approve, then select and freeze the dispatch plan from the list revision in force."""
    with engine.begin() as conn:
        views = _revisions(conn, alert_id)
        view = current(views)
        new = lc.approve(view.state, by, approvals.policy)
        plan: DispatchPlan | None = None
        check: LevelCheck | None = None
        list_number: int | None = None
        if view.state.kind is not RevisionKind.LIFT:
            list_number = list_repo.in_force(
                conn, city.region_code, view.state.start.astimezone(now.tzinfo).date()
            )
            lst: EmissionList = list_repo.load(conn, city.region_code, list_number)
            plan = plan_for(lst, view.state.level)
            (check,) = check_targets(lst, city, (view.state.level,))
        # who must do more, who may relax or resume, against the plan in force
        prev = _last_issued(views)
        changes: list[EntryChange] = []
        if prev is not None and prev.list_revision is not None:
            before = plan_for(
                list_repo.load(conn, city.region_code, prev.list_revision), prev.state.level
            )
            changes = diff_plans(before, plan)
        targets = _targets_record(check) if check is not None else None
        _move(conn, view, new, list_revision=list_number, targets=targets)
        if plan is not None:
            conn.execute(
                insert(plan_entries),
                [
                    {
                        "revision_id": view.revision_id,
                        "uscc": e.uscc,
                        "mode": e.mode.value,
                        "record": _entry_record(e),
                    }
                    for e in plan.entries
                ],
            )
        _audit(
            conn,
            at=now,
            actor=by.name,
            action="approve",
            alert_id=alert_id,
            revision_id=view.revision_id,
            detail={
                "list_revision": list_number,
                "enterprises": len(plan.entries) if plan else 0,
                "targets_met": check.met if check else None,
                "changes": {
                    c.value: sum(x.change is c for x in changes) for c in Change if changes
                },
            },
        )
        return Approval(
            dataclasses.replace(view, state=new, list_revision=list_number, targets=targets),
            plan,
            check,
            changes,
        )


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
        _audit(
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
    """The plan snapshot frozen with an alert revision, as stored."""
    with engine.connect() as conn:
        return [
            r
            for (r,) in conn.execute(
                select(plan_entries.c.record)
                .where(plan_entries.c.revision_id == revision_id)
                .order_by(plan_entries.c.id)
            )
        ]


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
