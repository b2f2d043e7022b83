"""The inspection use cases: evidence stored (CEMS, gate passages), and each day of an alert
scored enterprise by enterprise into the day's queue (:mod:`orchestrator.inspection.scoring`).

An enterprise's day is read from what the product holds: its order and measures in the plan of
the revision in force that day, the electricity evidence of its lines (the effect assessment's
check, handed in), its outlets' CEMS rates against their pre-alert baseline, the trucks at its
gate, its daily report and its acknowledgement. A 移动源 user under a truck ban is scored on its
gate alone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from zoneinfo import ZoneInfo

from orchestrator.errors import InputInvalid, NotFound
from orchestrator.inspection.config import InspectionConfig
from orchestrator.inspection.model import CemsReading, DayFacts, GatePassage, Queue
from orchestrator.inspection.ports import InspectionUnitOfWork
from orchestrator.inspection.scoring import (
    banned_passages,
    outlet_shares,
    queue,
    score,
    seed_of,
    under_ban,
)
from orchestrator.response.model import AlertRevision, RevisionKind, RevisionStatus

#: (uscc → [(line, what its electricity showed)]) of an alert's suspect lines at ``now``.
Electricity = Callable[[int, dt.datetime], Mapping[str, Sequence[tuple[str, str]]]]


class Inspections:
    def __init__(
        self,
        uow: Callable[[], InspectionUnitOfWork],
        *,
        config: InspectionConfig,
        region: str,
        zone: ZoneInfo,
        receipt_hours: int,
        secret: bytes,
        electricity: Electricity | None = None,
    ) -> None:
        self.uow, self.config, self.region, self.zone = uow, config, region, zone
        self.receipt_hours, self.secret, self.electricity = receipt_hours, secret, electricity

    def store_cems(self, readings: Sequence[CemsReading]) -> int:
        """Store readings (all or none; a reading again replaces it): how many."""
        with self.uow() as uow:
            uow.evidence.put_cems(readings)
            uow.commit()
        return len(readings)

    def store_gate(self, passages: Sequence[GatePassage]) -> int:
        """Store gate passages (all or none; a passage again is the same one): how many."""
        with self.uow() as uow:
            uow.evidence.put_gate(passages)
            uow.commit()
        return len(passages)

    def day(self, alert_id: int, day: dt.date, *, now: dt.datetime) -> Queue:
        """The day's queue of the alert: every enterprise of the plan in force that day (and
        every transport user under a truck ban) scored on the day's evidence up to ``now``."""
        day_start = dt.datetime.combine(day, dt.time(), self.zone)
        day_end = day_start + dt.timedelta(days=1)
        suspect = self.electricity(alert_id, now) if self.electricity is not None else {}
        with self.uow() as uow:
            revisions = uow.alerts.revisions(alert_id)
            issued = [v for v in revisions if v.state.issued_at is not None]
            first = next((v for v in issued if v.state.kind is RevisionKind.ISSUE), None)
            rev = _in_force(issued, day_start, day_end)
            on = f"{day.year}年{day.month}月{day.day}日"
            if first is None or rev is None:
                raise NotFound(f"预警{alert_id}在{on}不在执行期内，没有检查任务")
            start = max(day_start, first.state.start)
            end = min(day_end, now, _ended(revisions) or day_end)
            if end <= start:
                raise InputInvalid(f"预警{alert_id}在{on}的执行尚未开始，暂无可评分的证据")
            level = rev.state.level
            roster = list(uow.plans.reporters(rev.revision_id))
            rows = (
                uow.lists.source_rows(self.region, rev.list_revision, level)
                if rev.list_revision is not None and level.colour
                else []
            )
            users = [r for r in rows if r.sheet == "transport_users" and r.uscc]
            usccs = [e.uscc for e in roster] + [u.uscc for u in users]
            baseline_start = first.state.start - dt.timedelta(days=self.config.cems_baseline_days)
            listed = [e.uscc for e in roster]
            before = uow.evidence.cems_means(listed, baseline_start, first.state.start)
            during = uow.evidence.cems_means(listed, start, end)
            banned = uow.evidence.gate(usccs, start, end, self.config.banned_stages)
            filed = uow.daily.filed(alert_id, day)
            acked = uow.evidence.acknowledged(first.revision_id)
        assert first.state.issued_at is not None
        deadline = first.state.issued_at + dt.timedelta(hours=self.receipt_hours)
        facts: list[DayFacts] = []
        for e in roster:
            measures = [text for _, text in e.lines]
            facts.append(
                DayFacts(
                    uscc=e.uscc,
                    name=e.name,
                    county=e.county,
                    town=e.town,
                    contact=e.contact,
                    phone=e.phone,
                    mode=e.mode,
                    lines=tuple(e.lines),
                    suspect_lines=tuple(suspect.get(e.uscc, ())),
                    outlets=outlet_shares(
                        before.get(e.uscc, {}), during.get(e.uscc, {}), self.config
                    ),
                    banned_trucks=banned_passages(banned.get(e.uscc, ()), self.config)
                    if under_ban(measures, self.config)
                    else (),
                    reported=e.uscc in filed,
                    acknowledged_at=acked.get(e.uscc),
                    deadline=deadline,
                )
            )
        for u in users:
            trucks = banned.get(u.uscc, ()) if under_ban([u.measure], self.config) else ()
            facts.append(
                DayFacts(
                    uscc=u.uscc,
                    name=u.name,
                    county=u.county,
                    mode="transport",
                    lines=(("运输管控", u.measure),),
                    banned_trucks=banned_passages(trucks, self.config),
                )
            )
        scores = [score(f, self.config, now=now, zone=self.zone) for f in facts]
        seed = seed_of(self.secret, alert_id, day)
        return queue(scores, self.config, alert_id=alert_id, day=day, seed=seed)


def _in_force(
    issued: Sequence[AlertRevision], start: dt.datetime, end: dt.datetime
) -> AlertRevision | None:
    """The newest revision issued (not a lift) whose window meets ``[start, end)``."""
    found = None
    for v in issued:
        st = v.state
        if st.kind is RevisionKind.LIFT:
            continue
        if st.start < end and (st.end is None or st.end > start):
            found = v
    return found


def _ended(revisions: Sequence[AlertRevision]) -> dt.datetime | None:
    """When the alert ended: its issued lift's start (None: not lifted)."""
    for v in revisions:
        if v.state.kind is RevisionKind.LIFT and v.state.status in (
            RevisionStatus.ISSUED,
            RevisionStatus.LIFTED,
        ):
            return v.state.start
    return None
