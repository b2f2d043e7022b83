"""Receipts of the response network's units: a unit's task notices of an alert behind its signed
link, and its acknowledgement (签收) — kept as an enterprise's are (the same acknowledgements,
under the unit's code), so that escalation and the counts serve both."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping

from orchestrator.delivery.model import DeliveryStatus, ReceiptRefused, Recipient, Subject
from orchestrator.delivery.ports import DeliveryUnitOfWork
from orchestrator.delivery.receipts import issued_receipts
from orchestrator.response.config import Office
from orchestrator.response.model import RevisionKind


@dataclasses.dataclass(frozen=True, slots=True)
class TaskView:
    """One task notice of an alert, as its unit sees it."""

    subject: Subject
    ref: int  # the revision id (what its forms post)
    number: int
    title: str
    kind: RevisionKind
    level: str
    document_number: str
    issued_at: dt.datetime
    deadline: dt.datetime
    start: dt.datetime
    end: dt.datetime | None
    acknowledged_at: dt.datetime | None
    signer: str


@dataclasses.dataclass(frozen=True, slots=True)
class UnitState:
    """One unit of an alert's newest issued revision, as the office follows it."""

    code: str
    name: str
    county: str
    delivery: DeliveryStatus | None
    acknowledged_at: dt.datetime | None
    signer: str


class UnitReceipts:
    def __init__(
        self,
        uow: Callable[[], DeliveryUnitOfWork],
        *,
        office: Office,
        units: Mapping[str, Recipient],
    ) -> None:
        self.uow, self.office, self.units = uow, office, units

    def is_unit(self, code: str) -> bool:
        return code in self.units

    def name(self, code: str) -> str:
        found = self.units.get(code)
        return found.name if found is not None else code

    def tasks(self, alert_id: int, code: str) -> list[TaskView]:
        """The unit's task notices of the alert, newest first (none: the alert gave it none)."""
        out: list[TaskView] = []
        with self.uow() as uow:
            revisions = uow.receipts.task_revisions(alert_id, code)
            for subject, rev, got in issued_receipts(uow, revisions, code):
                st = rev.state
                assert st.issued_at is not None
                out.append(
                    TaskView(
                        subject=subject,
                        ref=rev.revision_id,
                        number=st.number,
                        title="应急响应任务解除通知"
                        if st.kind is RevisionKind.LIFT
                        else "重污染天气应急响应任务单",
                        kind=st.kind,
                        level=st.level.value,
                        document_number=rev.document_number or "",
                        issued_at=st.issued_at,
                        deadline=self.office.receipt_deadline(st.issued_at),
                        start=st.start,
                        end=st.end,
                        acknowledged_at=got.acknowledged_at,
                        signer=got.signer,
                    )
                )
        return out

    def states(self, alert_id: int) -> tuple[int | None, list[UnitState]]:
        """The units the alert's newest issued revision sent a task notice, in the network's
        order, with how far its delivery got and whether they signed: (revision id, states)."""
        with self.uow() as uow:
            revision_id = uow.alerts.newest_issued(alert_id)
            if revision_id is None:
                return None, []
            found = uow.receipts.unit_states(Subject(revision_id=revision_id))
        order = {code: i for i, code in enumerate(self.units)}
        rows = [
            UnitState(
                code=code,
                name=self.name(code),
                county=self.units[code].county if code in self.units else "",
                delivery=DeliveryStatus(status) if status else None,
                acknowledged_at=at,
                signer=by,
            )
            for code, (status, at, by) in found.items()
        ]
        return revision_id, sorted(rows, key=lambda r: order.get(r.code, len(order)))

    def document(self, revision_id: int, code: str) -> str | None:
        """The task notice as it was sent (None: none)."""
        with self.uow() as uow:
            found = uow.notices.tasks(revision_id, (code,))
        return found[0].body if found else None

    def acknowledge(
        self, alert_id: int, code: str, ref: int, *, signer: str, now: dt.datetime
    ) -> dt.datetime:
        """Sign for the task notice ``ref`` (a revision id); signing again changes nothing."""
        signer = signer.strip()
        if not signer or len(signer) > 50:
            raise ReceiptRefused("请填写签收人姓名（不超过50个字）。")
        found = [t for t in self.tasks(alert_id, code) if t.ref == ref]
        if not found:
            raise ReceiptRefused("未找到本单位的该份任务单。")
        if found[0].acknowledged_at is not None:
            return found[0].acknowledged_at
        with self.uow() as uow:
            taken = uow.receipts.acknowledge(found[0].subject, code, at=now, signer=signer)
            if taken:
                uow.commit()
        if not taken:
            again = [t for t in self.tasks(alert_id, code) if t.ref == ref]
            return again[0].acknowledged_at or now
        return now
