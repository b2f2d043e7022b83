"""What the emergency command office does to alerts: draft, submit, approve, issue, adjust, lift.

Each action is one unit of work. The pure state machine (:mod:`orchestrator.response.lifecycle`)
says whether a move is legal; the store makes it stick exactly once: every status change is
conditional on the status read, so of two approvers racing, exactly one wins and the other is
told the alert has moved on. Document numbers are unique per issuer and year in the store and
never reused. Every action is appended to the audit log (who, when, what, why) in its own
transaction. Issuing calls the injected notice step once, after the issue is committed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from orchestrator.alerts.model import AlertLevel, RegionalHint
from orchestrator.audit.model import AuditAction, AuditEntry
from orchestrator.emissions.model import CityProfile
from orchestrator.emissions.plans import Change, PlanEntry, diff_plans, entry_from_record
from orchestrator.emissions.service import band_plan, day_check
from orchestrator.emissions.targets import LevelCheck, targets_record, with_negotiated
from orchestrator.errors import InputInvalid, Unavailable
from orchestrator.negotiation.model import total as negotiated_total
from orchestrator.response import lifecycle as lc
from orchestrator.response.config import ResponseConfig
from orchestrator.response.lifecycle import IllegalTransition
from orchestrator.response.model import (
    Action,
    AlertRevision,
    AlertsOverlap,
    Approval,
    Draft,
    HintRecorded,
    Person,
    RevisionKind,
    RevisionState,
    RevisionStatus,
    Situation,
    area_label,
    areas_meet,
    cn_instant,
    current,
    days_in_force,
    first_overlap,
    last_issued,
    lift_changes,
    overlaps,
)
from orchestrator.response.ports import NoticeStep, RenderedNotices, ResponseUnitOfWork


@dataclass(frozen=True, slots=True)
class Issued:
    """An issued revision, the warnings of its issue (lead time) and its notices."""

    revision: AlertRevision
    warnings: list[str]
    notices: RenderedNotices | None  # None: not stored yet (the delivery worker completes them)


class CommandOffice:
    """The alerts of the office's area (``config.office.region_code``)."""

    def __init__(
        self,
        uow: Callable[[], ResponseUnitOfWork],
        *,
        config: ResponseConfig,
        city: CityProfile,
        notices: NoticeStep,
    ) -> None:
        self.uow, self.config, self.city, self.notices = uow, config, city, notices
        self.office = config.office
        self.region = config.office.region_code

    # --- reading -------------------------------------------------------------------------------

    def revisions(self, alert_id: int) -> list[AlertRevision]:
        with self.uow() as uow:
            return uow.alerts.revisions(alert_id)

    def current(self, alert_id: int) -> AlertRevision:
        return current(self.revisions(alert_id))

    def allowed(self, alert_id: int) -> frozenset[Action]:
        """What may be done next to the alert (:func:`~orchestrator.response.lifecycle.allowed_actions`)."""
        return lc.allowed_actions(self.current(alert_id).state)

    def alerts(self) -> list[AlertRevision]:
        """The current revision of every alert, newest alert first."""
        with self.uow() as uow:
            return [current(uow.alerts.revisions(i)) for i in uow.alerts.alert_ids(self.region)]

    def area(self, counties: Sequence[str]) -> tuple[str, ...]:
        """An alert's area from the counties named (names of the city's counties, in the
        city's order; all of them or none: the whole city, ``()``). A name that is none of the
        city's counties is refused."""
        named = [c.strip() for c in counties if c.strip()]
        strange = [c for c in named if c not in self.city.counties]
        if strange:
            raise InputInvalid(
                f"“{strange[0]}”不是{self.city.region_name}的区县"
                f"（{'、'.join(self.city.counties)}）"
            )
        chosen = set(named)
        if chosen == set(self.city.counties):
            return ()
        return tuple(c for c in self.city.counties if c in chosen)

    def alert_days(self, since: dt.datetime, until: dt.datetime) -> dict[AlertLevel, float]:
        """Days each level was in force between ``since`` and ``until``, by the issued revisions
        of every alert (:func:`~orchestrator.response.model.days_in_force`)."""
        with self.uow() as uow:
            every = [uow.alerts.revisions(i) for i in uow.alerts.alert_ids(self.region)]
        return days_in_force(every, since, until)

    def frozen_plan(self, revision_id: int) -> list[dict[str, Any]]:
        """The plan frozen with an alert revision at approval, as stored (plan records)."""
        with self.uow() as uow:
            return uow.plans.records(revision_id)

    def trail(self, alert_id: int) -> list[AuditEntry]:
        with self.uow() as uow:
            return uow.audit.trail(alert_id)

    def situation(self, now: dt.datetime, *, recent: int = 20) -> Situation:
        with self.uow() as uow:
            return self.situation_in(uow, now, recent=recent)

    def situation_in(
        self, uow: ResponseUnitOfWork, now: dt.datetime, *, recent: int = 20
    ) -> Situation:
        """:meth:`situation` inside the caller's unit of work (a consultation)."""
        active: AlertRevision | None = None
        active_open = False
        pending: list[int] = []
        for alert_id in uow.alerts.alert_ids(self.region, limit=recent):
            views = uow.alerts.revisions(alert_id)
            issued = last_issued(views)
            is_open = any(v.state.status.open for v in views)
            if issued is None:
                if is_open:
                    pending.append(alert_id)
            elif active is None and issued.state.kind is not RevisionKind.LIFT:
                active, active_open = issued, is_open
        hints = uow.alerts.hints(self.region, ending_after=now)
        strongest = max(hints, key=lambda h: (h.level.rank, h.end), default=None)
        return Situation(active, active_open, tuple(pending), strongest)

    # --- drafting ------------------------------------------------------------------------------

    def draft(
        self, draft: Draft, *, by: Person, now: dt.datetime, submit: bool = False
    ) -> AlertRevision:
        """A new alert (kind ISSUE) or a new revision of an issued one (upgrade, downgrade,
        extend, lift); with ``submit``, submitted for approval in the same transaction."""
        with self.uow() as uow:
            view = self.draft_in(uow, draft, by=by, now=now)
            if submit:
                view = self._move(uow, view, lc.submit(view.state, by), by, now, AuditAction.SUBMIT)
            uow.commit()
        return view

    def adjust(
        self,
        alert_id: int,
        kind: RevisionKind,
        *,
        by: Person,
        now: dt.datetime,
        reason: str,
        level: AlertLevel | None = None,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        submit: bool = False,
    ) -> AlertRevision:
        """Draft an adjustment of an issued alert: by default at its current level, from now,
        to its current end (a lift ends it; an extension needs the new end)."""
        if kind is RevisionKind.ISSUE:
            raise IllegalTransition("该预警已发布，请使用升级、降级、延长或解除")
        cur = self.current(alert_id).state
        if kind is RevisionKind.EXTEND and end is None:
            raise InputInvalid("延长须填写新的结束时间")
        draft = Draft(
            kind=kind,
            level=level or cur.level,
            start=start or now,
            end=None if kind is RevisionKind.LIFT else (end or cur.end),
            reason=reason,
            alert_id=alert_id,
        )
        return self.draft(draft, by=by, now=now, submit=submit)

    def draft_in(
        self, uow: ResponseUnitOfWork, draft: Draft, *, by: Person, now: dt.datetime
    ) -> AlertRevision:
        """:meth:`draft` inside the caller's unit of work (a consultation records its draft
        with it)."""
        d = draft
        lc.check_window(d.start, d.end)
        if not d.level.colour and d.kind is not RevisionKind.LIFT and not d.reason.strip():
            raise InputInvalid(
                "不利气象条件应对须依上级指令开展：请在事由中写明指令（发文机关和文号），"
                "或以区域预警提示（hint add）登记后起草"
            )
        alert_id = d.alert_id
        if d.kind is RevisionKind.ISSUE:
            area = self.area(d.counties)
        elif alert_id is None:
            raise IllegalTransition("调整或解除须指定预警编号")
        else:  # an adjustment keeps its alert's area
            views = uow.alerts.revisions(alert_id)
            area = views[0].counties
        if d.kind is not RevisionKind.LIFT:
            other = first_overlap(
                d.start, d.end, uow.alerts.claims(self.region), besides=alert_id, area=area
            )
            if other is not None:
                raise _overlap(other, d.start.tzinfo)
        if d.kind is RevisionKind.ISSUE:
            lc.check_new_revision(None, d.kind, d.level, d.end)
            self._check_hint_floor(uow, d.level, d.start, d.end, area)
            alert_id = uow.alerts.add_alert(
                self.region, created_at=now, hint_id=d.hint_id, counties=area
            )
            number, previous_id = 1, None
        else:
            assert alert_id is not None
            if any(v.state.status.open for v in views):
                raise IllegalTransition("该预警已有未完成的调整，请先处理或撤回")
            prev = last_issued(views)
            lc.check_new_revision(prev.state if prev else None, d.kind, d.level, d.end)
            assert prev is not None
            if d.kind is not RevisionKind.LIFT:
                self._check_hint_floor(uow, d.level, d.start, d.end, area)
            number, previous_id = views[-1].state.number + 1, prev.revision_id
        state = RevisionState(
            number=number,
            kind=d.kind,
            level=d.level,
            start=d.start,
            end=d.end,
            status=RevisionStatus.DRAFT,
            drafted_by=by.name,
        )
        rid = uow.alerts.add_revision(alert_id, state, reason=d.reason, previous_id=previous_id)
        uow.audit.record(
            AuditEntry(
                at=now,
                actor=by.name,
                action=AuditAction.drafted(d.kind.value),
                alert_id=alert_id,
                revision_id=rid,
                reason=d.reason,
                detail={
                    "level": d.level.value,
                    "start": d.start.isoformat(),
                    "end": d.end.isoformat() if d.end else None,
                    **({"counties": list(area)} if area else {}),
                },
            )
        )
        return AlertRevision(alert_id, rid, state, d.reason, None, None, counties=area)

    def _check_hint_floor(
        self,
        uow: ResponseUnitOfWork,
        level: AlertLevel,
        start: dt.datetime,
        end: dt.datetime | None,
        area: Sequence[str] = (),
    ) -> None:
        """Nothing may be issued below an active regional hint's level inside its window, in
        a county it binds (an alert of other counties is not bound by it)."""
        for h in uow.alerts.hints(self.region):
            meets = overlaps(start, end, h.start, h.end) and areas_meet(area, h.counties)
            if meets and h.level.rank > level.rank:
                zone = start.tzinfo
                where = f"{area_label(h.counties)}" if h.counties else ""
                raise IllegalTransition(
                    f"{h.issuer}{h.document}要求{where}{_when(h.start, zone)}至"
                    f"{_when(h.end, zone)}不低于{h.level.term}，"
                    f"不能按{level.term}执行"
                )

    def add_hint(
        self,
        *,
        level: AlertLevel,
        start: dt.datetime,
        end: dt.datetime,
        issuer: str,
        document_number: str,
        area: str,
        by: Person,
        now: dt.datetime,
        counties: Sequence[str] = (),
    ) -> HintRecorded:
        """Record a regional hint (binding ``counties`` of the city, or all of it) and, in the
        same transaction, draft what it asks for (:meth:`hint_in`)."""
        if end <= start:
            raise IllegalTransition("区域预警提示的结束时间须晚于开始时间")
        hint = RegionalHint(
            level=level,
            start=start,
            end=end,
            issuer=issuer,
            document=document_number,
            area=area,
            counties=tuple(counties),
        )
        with self.uow() as uow:
            recorded = self.hint_in(uow, hint, by=by, now=now)
            uow.commit()
        return recorded

    def hint_in(
        self, uow: ResponseUnitOfWork, hint: RegionalHint, *, by: Person, now: dt.datetime
    ) -> HintRecorded:
        """Record ``hint`` inside the caller's unit of work (a city receiving its province's
        调度令 records it with the order) and draft what it asks for, county by county: each
        alert in force over its window in its area is adjusted (upgraded when the hint is
        higher, extended when it reaches later, both when both) or left as it is when it
        covers the hint; the counties of its area no alert holds get a new alert of its level
        for its window (with no alert in force there: one alert of its whole area)."""
        area = self.area(hint.counties)
        hint = dataclasses.replace(hint, counties=area)
        level, start, end = hint.level, hint.start, hint.end
        basis = f"依据{hint.issuer}区域预警提示（{hint.document}）"
        zone = start.tzinfo
        uow.alerts.lock_area(self.region)
        hid = uow.alerts.add_hint(self.region, hint, recorded_at=now)
        if hid is None:
            raise IllegalTransition(f"{hint.issuer}{hint.document}已登记")
        held = [
            v
            for v in uow.alerts.claims(self.region)
            if v.state.status is RevisionStatus.ISSUED
            and overlaps(start, end, v.state.start, v.state.end)
            and areas_meet(area, v.counties)
        ]
        drafts: list[AlertRevision] = []
        notes: list[str] = []
        for cur_view in held:  # an open change of one refuses it in draft_in: nothing recorded
            cur = cur_view.state
            higher = level.rank > cur.level.rank
            later = cur.end is not None and end > cur.end
            if not (higher or later):
                cur_end = _when(cur.end, zone) if cur.end is not None else "另行通知"
                notes.append(
                    f"预警{cur_view.alert_id}（{cur_view.document_number}，{cur.level.term}，"
                    f"至{cur_end}）已覆盖该提示的等级和时段，无需调整"
                )
                continue
            drafts.append(
                self.draft_in(
                    uow,
                    Draft(
                        kind=RevisionKind.UPGRADE if higher else RevisionKind.EXTEND,
                        level=level if higher else cur.level,
                        start=max(start, now) if higher else now,
                        end=end if later else cur.end,
                        reason=basis,
                        alert_id=cur_view.alert_id,
                    ),
                    by=by,
                    now=now,
                )
            )
            what = [f"升级为{level.term}"] if higher else []
            if later:
                what.append(f"延长至{_when(end, zone)}")
            notes.append(f"已起草预警{cur_view.alert_id}的调整：{'并'.join(what)}")
        rest: tuple[str, ...] | None = area
        if held:  # the counties of the area that no alert in force holds
            taken = {c for v in held for c in v.counties}
            whole = any(not v.counties for v in held)
            left = tuple(c for c in (area or self.city.counties) if c not in taken)
            rest = None if whole or not left else left
        if rest is not None:
            drafts.append(
                self.draft_in(
                    uow,
                    Draft(
                        kind=RevisionKind.ISSUE,
                        level=level,
                        start=start,
                        end=end,
                        reason=basis,
                        hint_id=hid,
                        counties=rest,
                    ),
                    by=by,
                    now=now,
                )
            )
            where = area_label(rest, "") if rest else ""
            notes.append(f"已起草{where}{level.term}（{_when(start, zone)}至{_when(end, zone)}）")
        return HintRecorded(
            hid,
            drafts[0] if drafts else None,
            held[0].alert_id if held else None,
            "；".join(notes),
            tuple(drafts),
        )

    # --- moving a revision on ------------------------------------------------------------------

    def _move(
        self,
        uow: ResponseUnitOfWork,
        view: AlertRevision,
        new: RevisionState,
        by: Person,
        now: dt.datetime,
        action: AuditAction,
        reason: str = "",
        detail: dict[str, Any] | None = None,
        document_number: str | None = None,
    ) -> AlertRevision:
        """Write ``new`` if nobody moved the revision since it was read, and audit it."""
        if not uow.alerts.move(view, new, document_number=document_number):
            raise IllegalTransition("该预警已被他人处理，请刷新后重试")
        uow.audit.record(
            AuditEntry(
                at=now,
                actor=by.name,
                action=action,
                alert_id=view.alert_id,
                revision_id=view.revision_id,
                reason=reason,
                detail=detail or {},
            )
        )
        return dataclasses.replace(view, state=new)

    def _step(
        self,
        alert_id: int,
        *,
        by: Person,
        now: dt.datetime,
        action: AuditAction,
        move: Callable[[RevisionState], RevisionState],
        reason: str = "",
    ) -> AlertRevision:
        with self.uow() as uow:
            view = current(uow.alerts.revisions(alert_id))
            done = self._move(uow, view, move(view.state), by, now, action, reason)
            uow.commit()
        return done

    def submit(self, alert_id: int, *, by: Person, now: dt.datetime) -> AlertRevision:
        return self._step(
            alert_id, by=by, now=now, action=AuditAction.SUBMIT, move=lambda st: lc.submit(st, by)
        )

    def reject(self, alert_id: int, *, by: Person, now: dt.datetime, reason: str) -> AlertRevision:
        return self._step(
            alert_id,
            by=by,
            now=now,
            action=AuditAction.REJECT,
            move=lambda st: lc.reject(st, by),
            reason=reason,
        )

    def withdraw(
        self, alert_id: int, *, by: Person, now: dt.datetime, reason: str
    ) -> AlertRevision:
        return self._step(
            alert_id,
            by=by,
            now=now,
            action=AuditAction.WITHDRAW,
            move=lambda st: lc.withdraw(st, by),
            reason=reason,
        )

    def approve(
        self, alert_id: int, *, by: Person, now: dt.datetime, override: str | None = None
    ) -> Approval:
        """Approve, then freeze the dispatch plan of the list revision in force as the revision's
        own. ``override``: the approver's written reason to issue despite a reduction shortfall,
        recorded when there is one (whoever issues may then issue).

        The plan of a list revision for a level is selected once, when the list is imported;
        freezing it is a reference kept with the revision, and the reduction check weighs what
        that plan achieves against the city's current targets."""
        with self.uow() as uow:
            views = uow.alerts.revisions(alert_id)
            view = current(views)
            new = lc.approve(view.state, by, self.config.policy)
            check: LevelCheck | None = None
            list_number: int | None = None
            plan_id: int | None = None
            enterprises = 0
            planned = view.state.kind is not RevisionKind.LIFT
            if planned and not view.state.level.colour:
                # the 不利气象条件应对 band: no list measures, nothing to check against targets;
                # its plan is the agreed enterprises alone, on the records of the list in force
                agreed = uow.negotiations.of_revision(view.revision_id)
                if agreed:
                    on = view.state.start.astimezone(now.tzinfo).date()
                    list_number, plan_id = band_plan(uow, self.region, on)
                enterprises = len({a.agreement.uscc for a in agreed})
            elif planned:
                # what the plan adds at the revision's start, beyond the controls then in force
                start = view.state.start
                day = day_check(
                    uow,
                    self.region,
                    self.city,
                    view.state.level,
                    start,
                    on=start.astimezone(now.tzinfo).date(),
                    counties=view.counties,
                )
                list_number, plan_id, check = day.list_revision, day.plan_id, day.check
                agreed = uow.negotiations.of_revision(view.revision_id)
                if agreed:  # negotiated reductions in force at the start add to it
                    area = self.city.area(view.counties)
                    check = with_negotiated(check, negotiated_total(agreed, start), area)
                enterprises = -1  # the frozen plan's size, counted once it is frozen
            targets = targets_record(check) if check is not None else None
            if check is not None and not check.met and override and override.strip():
                new = lc.approve(view.state, by, self.config.policy, override=override)
            if not uow.alerts.move(view, new):
                raise IllegalTransition("该预警已被他人处理，请刷新后重试")
            uow.alerts.freeze(
                view.revision_id, list_revision=list_number, targets=targets, plan_id=plan_id
            )
            if enterprises < 0:  # the list's plan, narrowed to the alert's counties if named
                enterprises = uow.plans.size(view.revision_id)
            # who must do more, who may relax or resume, against the plan in force
            prev = last_issued(views)
            changes = []
            if prev is not None:
                changes = diff_plans(
                    _plan(uow.plans.records(prev.revision_id)),
                    _plan(uow.plans.records(view.revision_id)) if planned else None,
                )
                if view.state.kind is RevisionKind.LIFT:  # what a recurring control still binds
                    standing = uow.standing.controls_running(self.region, view.state.start)
                    changes = lift_changes(changes, standing)
            uow.audit.record(
                AuditEntry(
                    at=now,
                    actor=by.name,
                    action=AuditAction.APPROVE,
                    alert_id=alert_id,
                    revision_id=view.revision_id,
                    detail={
                        "list_revision": list_number,
                        "enterprises": enterprises,
                        "targets_met": check.met if check else None,
                        "override": new.shortfall_override,
                        "changes": {
                            c.value: sum(x.change is c for x in changes) for c in Change if changes
                        },
                    },
                )
            )
            uow.commit()
        approved = dataclasses.replace(view, state=new, list_revision=list_number, targets=targets)
        return Approval(approved, enterprises, check, changes)

    def issue(
        self,
        alert_id: int,
        *,
        by: Person,
        now: dt.datetime,
        override: str | None = None,
    ) -> Issued:
        """Issue the approved revision: document number, supersede or lift the previous one;
        then render and store its notices (the notice step). Returns the issued revision, the
        warnings of its issue (lead time) and its notices."""
        warnings: list[str] = []
        with self.uow() as uow:
            # one alert in force per area: of two officers issuing overlapping alerts at once,
            # the second waits here, then sees the first in force and is refused
            uow.alerts.lock_area(self.region)
            views = uow.alerts.revisions(alert_id)
            view = current(views)
            st = view.state
            if st.kind is not RevisionKind.LIFT:
                self._check_hint_floor(uow, st.level, st.start, st.end, view.counties)
                other = first_overlap(
                    st.start,
                    st.end,
                    uow.alerts.claims(self.region),
                    besides=alert_id,
                    issued_only=True,
                    area=view.counties,
                )
                if other is not None:
                    raise _overlap(other, st.start.tzinfo)
            # the check frozen at approval, not the list reloaded
            new = lc.issue(st, by, now=now, shortfall=view.shortfall, override=override)
            if st.kind is RevisionKind.ISSUE:
                w = lc.lead_time_warning(st.start, now, self.config.policy)
                if w:
                    warnings.append(w)
            year = now.astimezone(st.start.tzinfo).year
            seq = uow.alerts.number(view.revision_id, issuer_code=self.office.code, year=year)
            number = self.office.document_number(year, seq)
            issued = self._move(
                uow,
                view,
                new,
                by,
                now,
                AuditAction.issued(st.kind.value),
                reason=override or "",
                detail={"document_number": number, "warnings": warnings},
                document_number=number,
            )
            prev = last_issued(views)
            if prev is not None:
                uow.alerts.close(
                    prev.revision_id,
                    RevisionStatus.LIFTED
                    if st.kind is RevisionKind.LIFT
                    else RevisionStatus.SUPERSEDED,
                )
            uow.commit()
        issued = dataclasses.replace(issued, document_number=number)
        # the issue stands; its notices are stored in a step of their own, which any process
        # completes if this one cannot (the delivery worker's housekeeping)
        try:
            rendered: RenderedNotices | None = self.notices(alert_id)
        except Unavailable as exc:
            rendered = None
            warnings.append(
                f"预警已发布（{number}），但通知尚未生成（{exc}）：投递进程将自动补齐，请勿重复发布"
            )
        return Issued(issued, warnings, rendered)


def _when(t: dt.datetime, zone: dt.tzinfo | None) -> str:
    return cn_instant(t, zone, year=False)


def _overlap(other: AlertRevision, zone: dt.tzinfo | None) -> AlertsOverlap:
    """The refusal of a window that overlaps ``other`` (another alert's revision that holds the
    area), naming it and what to do instead."""
    st = other.state
    end = _when(st.end, zone) if st.end is not None else "另行通知"
    if st.status is RevisionStatus.ISSUED:
        held = f"已发布（{other.document_number}）"
        instead = f"如需调整，请对预警{other.alert_id}起草升级、降级或延长"
    else:
        held = "已批准、尚未发布"
        instead = f"请待预警{other.alert_id}发布后起草升级、降级或延长，或将其撤回后重新起草"
    return AlertsOverlap(
        f"与预警{other.alert_id}时段重叠：该预警{held}，{st.level.term}，"
        f"{_when(st.start, zone)}至{end}。同一区域同一时段只执行一个预警，{instead}"
    )


def _plan(records: list[dict[str, Any]]) -> list[PlanEntry]:
    return [entry_from_record(rec) for rec in records]
