"""Recording negotiated reductions (协商减排) against an alert revision awaiting approval: checked
against the emission list in force at the revision's start — the enterprise and its lines exist,
and the agreed amount is no more than those lines still emit under their list measures — stored
with its audit entry in one transaction, and removable until the revision is approved."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from orchestrator.audit.model import AuditAction, AuditEntry
from orchestrator.emissions.model import ZERO, Amounts, Enterprise, Species
from orchestrator.emissions.plans import PlanMode, plan_mode
from orchestrator.errors import Conflict, InputInvalid, NotFound
from orchestrator.negotiation.model import Agreement, NegotiatedReduction, RevisionFacts
from orchestrator.negotiation.ports import NegotiationUnitOfWork


class NotNegotiable(Conflict):
    """Raised when an agreement is recorded on, or removed from, an alert revision that is no
    longer awaiting approval (or is a lift): its plan is frozen (HTTP 409, exit 1)."""


class Negotiations:
    """The office's negotiated reductions, per alert revision."""

    def __init__(
        self, uow: Callable[[], NegotiationUnitOfWork], *, region: str, zone: dt.tzinfo
    ) -> None:
        self.uow, self.region, self.zone = uow, region, zone

    def facts(self, alert_id: int) -> RevisionFacts:
        """The alert's current revision, as agreements are checked against it."""
        with self.uow() as uow:
            return uow.negotiations.facts(alert_id)

    def record(
        self, alert_id: int, agreement: Agreement, *, by: str, now: dt.datetime
    ) -> NegotiatedReduction:
        """Attach ``agreement`` to the alert's revision awaiting approval."""
        with self.uow() as uow:
            facts = uow.negotiations.facts(alert_id)
            _pending(facts)
            if agreement.start < facts.start or (
                facts.end is not None and agreement.end > facts.end
            ):
                raise InputInvalid(
                    f"协商减排时段须在预警{alert_id}第{facts.number}次修订的响应时段之内"
                )
            number = uow.lists.in_force(self.region, facts.start.astimezone(self.zone).date())
            firm = uow.lists.enterprise(self.region, number, agreement.uscc)
            if firm is None:
                raise NotFound(
                    f"应急减排清单第{number}版中没有统一社会信用代码为{agreement.uscc}的企业"
                )
            _check_amounts(firm, agreement, facts)
            stored = uow.negotiations.add(
                facts, firm.name, agreement, recorded_by=by, recorded_at=now
            )
            uow.audit.record(
                AuditEntry(
                    at=now,
                    actor=by,
                    action=AuditAction.NEGOTIATE,
                    reason=f"{firm.name}：{agreement.measure}（协议编号{agreement.reference}）",
                    alert_id=alert_id,
                    revision_id=facts.revision_id,
                    detail={"negotiated_id": stored.id, "uscc": agreement.uscc},
                )
            )
            uow.commit()
        return stored

    def remove(
        self, negotiated_id: int, *, by: str, now: dt.datetime, alert_id: int | None = None
    ) -> NegotiatedReduction:
        """Take a recorded agreement back, while its revision awaits approval (``alert_id``: the
        alert it must belong to, as a page's address says)."""
        with self.uow() as uow:
            item = uow.negotiations.get(negotiated_id)
            if alert_id is not None and item.alert_id != alert_id:
                raise NotFound(f"预警{alert_id}没有协商减排{negotiated_id}")
            facts = uow.negotiations.facts(item.alert_id)
            if facts.revision_id != item.revision_id:
                raise NotNegotiable(f"协商减排{negotiated_id}所属的修订已批准或已撤回，不能删除")
            _pending(facts)
            uow.negotiations.remove(negotiated_id)
            uow.audit.record(
                AuditEntry(
                    at=now,
                    actor=by,
                    action=AuditAction.NEGOTIATE_REMOVE,
                    reason=f"{item.name}（协议编号{item.agreement.reference}）",
                    alert_id=item.alert_id,
                    revision_id=item.revision_id,
                    detail={"negotiated_id": negotiated_id},
                )
            )
            uow.commit()
        return item

    def get(self, negotiated_id: int) -> NegotiatedReduction:
        with self.uow() as uow:
            return uow.negotiations.get(negotiated_id)

    def of_alert(self, alert_id: int) -> list[NegotiatedReduction]:
        with self.uow() as uow:
            uow.negotiations.facts(alert_id)  # NotFound for an unknown alert
            return uow.negotiations.of_alert(alert_id)


def _pending(facts: RevisionFacts) -> None:
    if not facts.pending or facts.lift:
        raise NotNegotiable(
            f"预警{facts.alert_id}当前没有待批准的启动或调整：协商减排须在批准前录入，"
            "已批准的修订其调度方案已冻结，请起草调整后再录入"
        )


def _check_amounts(firm: Enterprise, agreement: Agreement, facts: RevisionFacts) -> None:
    """The lines exist, and the agreed amount is no more than what they still emit under their
    list measures at the revision's level (an enterprise that reduces autonomously: all of it)."""
    lines = {ln.name: ln for ln in firm.lines}
    unknown = [n for n in agreement.lines if n not in lines]
    if unknown:
        raise InputInvalid(f"{firm.name}没有生产线“{'、'.join(unknown)}”")
    autonomous = plan_mode(firm) is PlanMode.AUTONOMOUS
    left = ZERO
    for name in agreement.lines:
        ln = lines[name]
        measure = None if autonomous else ln.measure(facts.level)
        removed = measure.reduction if measure is not None else ZERO
        left = left + Amounts(
            **{s.value: max(ln.baseline.get(s) - removed.get(s), 0.0) for s in Species}
        )
    over = [s for s in Species if agreement.reduction.get(s) > left.get(s) + 1e-9]
    if over:
        s = over[0]
        raise InputInvalid(
            f"协商减排量{s.label}（{agreement.reduction.get(s):g}千克/日）超过所涉生产线在清单措施之外"
            f"尚可减少的排放量（{round(left.get(s), 3):g}千克/日）"
        )
