"""Negotiated reductions (the ``NegotiationStore`` port), and the agreements a revision's plan
carries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.exc import IntegrityError

from orchestrator.db.alerts import AlertStore
from orchestrator.db.tables import negotiated_reductions
from orchestrator.emissions.model import Amounts, MeasureKind
from orchestrator.errors import Conflict, NotFound
from orchestrator.negotiation.model import Agreement, NegotiatedReduction, RevisionFacts
from orchestrator.response.model import RevisionKind, RevisionStatus, current

_PENDING = (RevisionStatus.DRAFT, RevisionStatus.PENDING_APPROVAL)


def _item(r: Any) -> NegotiatedReduction:
    return NegotiatedReduction(
        id=r.id,
        alert_id=r.alert_id,
        revision_id=r.revision_id,
        name=r.name,
        agreement=Agreement(
            uscc=r.uscc,
            lines=tuple(r.lines),
            kind=MeasureKind(r.kind),
            measure=r.measure,
            reduction=Amounts(so2=r.so2, nox=r.nox, pm=r.pm, vocs=r.vocs),
            start=r.start_at,
            end=r.end_at,
            reference=r.reference,
            agreed_by=r.agreed_by,
        ),
        recorded_by=r.recorded_by,
        recorded_at=r.recorded_at,
    )


class NegotiationStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def facts(self, alert_id: int) -> RevisionFacts:
        rev = current(AlertStore(self.conn).revisions(alert_id))
        st = rev.state
        return RevisionFacts(
            alert_id=alert_id,
            revision_id=rev.revision_id,
            number=st.number,
            level=st.level,
            start=st.start,
            end=st.end,
            pending=st.status in _PENDING,
            lift=st.kind is RevisionKind.LIFT,
        )

    def add(
        self,
        facts: RevisionFacts,
        name: str,
        agreement: Agreement,
        *,
        recorded_by: str,
        recorded_at: dt.datetime,
    ) -> NegotiatedReduction:
        a = agreement
        try:
            with self.conn.begin_nested():
                new_id = self.conn.execute(
                    insert(negotiated_reductions)
                    .values(
                        alert_id=facts.alert_id,
                        revision_id=facts.revision_id,
                        uscc=a.uscc,
                        name=name,
                        lines=list(a.lines),
                        kind=a.kind.value,
                        measure=a.measure,
                        so2=a.reduction.so2,
                        nox=a.reduction.nox,
                        pm=a.reduction.pm,
                        vocs=a.reduction.vocs,
                        start_at=a.start,
                        end_at=a.end,
                        reference=a.reference,
                        agreed_by=a.agreed_by,
                        recorded_by=recorded_by,
                        recorded_at=recorded_at,
                    )
                    .returning(negotiated_reductions.c.id)
                ).scalar_one()
        except IntegrityError as exc:
            raise Conflict(
                f"{name}在预警{facts.alert_id}第{facts.number}次修订中已有协商减排记录，"
                "如需变更请先删除"
            ) from exc
        return self.get(new_id)

    def get(self, negotiated_id: int) -> NegotiatedReduction:
        row = self.conn.execute(
            select(negotiated_reductions).where(negotiated_reductions.c.id == negotiated_id)
        ).first()
        if row is None:
            raise NotFound(f"协商减排{negotiated_id}不存在")
        return _item(row)

    def remove(self, negotiated_id: int) -> None:
        self.conn.execute(
            delete(negotiated_reductions).where(negotiated_reductions.c.id == negotiated_id)
        )

    def of_alert(self, alert_id: int) -> list[NegotiatedReduction]:
        t = negotiated_reductions.c
        rows = self.conn.execute(
            select(negotiated_reductions).where(t.alert_id == alert_id).order_by(t.id)
        )
        return [_item(r) for r in rows]

    def of_revision(self, revision_id: int) -> list[NegotiatedReduction]:
        t = negotiated_reductions.c
        rows = self.conn.execute(
            select(negotiated_reductions).where(t.revision_id == revision_id).order_by(t.id)
        )
        return [_item(r) for r in rows]
