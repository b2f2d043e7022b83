"""Alerts, their revisions, document numbers and regional hints (the ``AlertStore`` port).

Every status change is an ``UPDATE … WHERE status = <the status read>``, so of two people acting
at once exactly one wins. Document numbers are unique per issuer and year in the database and
never reused."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from orchestrator.alerts.model import AlertLevel, RegionalHint
from orchestrator.db import locks
from orchestrator.db.bulk import duplicate
from orchestrator.db.tables import alert_revisions, alerts, document_numbers, regional_hints
from orchestrator.response.lifecycle import IllegalTransition
from orchestrator.response.model import (
    AlertNotFound,
    AlertRevision,
    RevisionKind,
    RevisionState,
    RevisionStatus,
)


def _revision(row: Any) -> AlertRevision:
    # UtcDateTime columns come back timezone-aware on every backend.
    return AlertRevision(
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
        counties=tuple(row.counties or ()),
    )


#: A revision with its alert's area (``_revision`` reads ``counties``).
_WITH_AREA = select(alert_revisions, alerts.c.counties).join(
    alerts, alerts.c.id == alert_revisions.c.alert_id
)


def _hint(row: Any) -> RegionalHint:
    return RegionalHint(
        level=AlertLevel(row.level),
        start=row.start_at,
        end=row.end_at,
        issuer=row.issuer,
        document=row.document_number,
        area=row.area,
        measures=tuple(row.measures or ()),
        counties=tuple(row.counties or ()),
    )


class AlertStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def revisions(self, alert_id: int) -> list[AlertRevision]:
        rows = self.conn.execute(
            _WITH_AREA.where(alert_revisions.c.alert_id == alert_id).order_by(
                alert_revisions.c.number
            )
        ).all()
        if (
            not rows
            and self.conn.execute(select(alerts.c.id).where(alerts.c.id == alert_id)).first()
            is None
        ):
            raise AlertNotFound(f"预警{alert_id}不存在")
        return [_revision(r) for r in rows]

    def revision(self, revision_id: int) -> AlertRevision:
        row = self.conn.execute(_WITH_AREA.where(alert_revisions.c.id == revision_id)).first()
        if row is None:
            raise AlertNotFound(f"预警修订{revision_id}不存在")
        return _revision(row)

    def newest_issued(self, alert_id: int) -> int | None:
        r = alert_revisions.c
        found = self.conn.execute(
            select(r.id)
            .where(r.alert_id == alert_id, r.document_number.is_not(None))
            .order_by(r.number.desc())
            .limit(1)
        ).scalar()
        return None if found is None else int(found)

    def alert_ids(self, region: str, limit: int | None = None) -> list[int]:
        return [
            int(r)
            for r in self.conn.execute(
                select(alerts.c.id)
                .where(alerts.c.region_code == region)
                .order_by(alerts.c.id.desc())
                .limit(limit)
            ).scalars()
        ]

    def claims(self, region: str) -> list[AlertRevision]:
        r = alert_revisions.c
        rows = self.conn.execute(
            _WITH_AREA.where(
                alerts.c.region_code == region,
                r.status.in_([RevisionStatus.ISSUED.value, RevisionStatus.APPROVED.value]),
                r.kind != RevisionKind.LIFT.value,
            ).order_by(r.alert_id, r.number)
        ).all()
        return [_revision(row) for row in rows]

    def lock_area(self, region: str) -> None:
        locks.hold(self.conn, locks.AREA, int(region))

    def add_alert(
        self,
        region: str,
        *,
        created_at: dt.datetime,
        hint_id: int | None,
        counties: tuple[str, ...] = (),
    ) -> int:
        return int(
            self.conn.execute(
                insert(alerts).values(
                    region_code=region,
                    created_at=created_at,
                    hint_id=hint_id,
                    counties=list(counties) or None,
                )
            ).inserted_primary_key[0]  # type: ignore[index]
        )

    def add_revision(
        self, alert_id: int, state: RevisionState, *, reason: str, previous_id: int | None
    ) -> int:
        return int(
            self.conn.execute(
                insert(alert_revisions).values(
                    alert_id=alert_id,
                    number=state.number,
                    kind=state.kind.value,
                    level=state.level.value,
                    start_at=state.start,
                    end_at=state.end,
                    status=state.status.value,
                    drafted_by=state.drafted_by,
                    reason=reason,
                    previous_id=previous_id,
                )
            ).inserted_primary_key[0]  # type: ignore[index]
        )

    def move(
        self, revision: AlertRevision, new: RevisionState, *, document_number: str | None = None
    ) -> bool:
        extra = {} if document_number is None else {"document_number": document_number}
        result = self.conn.execute(
            update(alert_revisions)
            .where(
                alert_revisions.c.id == revision.revision_id,
                alert_revisions.c.status == revision.state.status.value,
            )
            .values(
                status=new.status.value,
                approved_by=new.approved_by,
                issued_at=new.issued_at,
                shortfall_override=new.shortfall_override,
                **extra,
            )
        )
        return result.rowcount == 1

    def freeze(
        self,
        revision_id: int,
        *,
        list_revision: int | None,
        targets: dict[str, Any] | None,
        plan_id: int | None,
    ) -> None:
        self.conn.execute(
            update(alert_revisions)
            .where(alert_revisions.c.id == revision_id)
            .values(list_revision=list_revision, targets=targets, plan_id=plan_id)
        )

    def number(self, revision_id: int, *, issuer_code: str, year: int) -> int:
        d = document_numbers.c
        for _ in range(5):
            seq = (
                self.conn.execute(
                    select(func.max(d.seq)).where(d.issuer_code == issuer_code, d.year == year)
                ).scalar()
                or 0
            ) + 1
            try:
                with self.conn.begin_nested():
                    self.conn.execute(
                        insert(document_numbers).values(
                            issuer_code=issuer_code, year=year, seq=seq, revision_id=revision_id
                        )
                    )
            except IntegrityError as exc:
                if not duplicate(exc):
                    raise
                continue  # someone took that number a moment ago: take the next one
            return int(seq)
        raise IllegalTransition("文号分配冲突，请重试")

    def close(self, revision_id: int, status: RevisionStatus) -> None:
        self.conn.execute(
            update(alert_revisions)
            .where(alert_revisions.c.id == revision_id)
            .values(status=status.value)
        )

    def add_hint(self, region: str, hint: RegionalHint, *, recorded_at: dt.datetime) -> int | None:
        try:
            with self.conn.begin_nested():
                return int(
                    self.conn.execute(
                        insert(regional_hints).values(
                            region_code=region,
                            level=hint.level.value,
                            start_at=hint.start,
                            end_at=hint.end,
                            issuer=hint.issuer,
                            document_number=hint.document,
                            area=hint.area,
                            measures=list(hint.measures) or None,
                            counties=list(hint.counties) or None,
                            recorded_at=recorded_at,
                        )
                    ).inserted_primary_key[0]  # type: ignore[index]
                )
        except IntegrityError as exc:
            if not duplicate(exc):
                raise
            return None

    def lift_hint(self, hint_id: int, *, at: dt.datetime) -> None:
        """The hint binds no more (its 调度令 was lifted)."""
        h = regional_hints.c
        self.conn.execute(
            update(regional_hints)
            .where(h.id == hint_id, h.lifted_at.is_(None))
            .values(lifted_at=at)
        )

    def hints(self, region: str, *, ending_after: dt.datetime | None = None) -> list[RegionalHint]:
        h = regional_hints.c
        query = (
            select(regional_hints)
            .where(h.region_code == region, h.lifted_at.is_(None))
            .order_by(h.id)
        )
        if ending_after is not None:
            query = query.where(h.end_at > ending_after)
        return [_hint(r) for r in self.conn.execute(query)]
