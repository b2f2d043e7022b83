"""Stored notices (the ``NoticeStore`` port): one per revision, enterprise and kind; a dispatch
order as its enterprise's part, with the frame every order of the revision shares kept once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Iterator

from sqlalchemy import Connection, bindparam, exists, func, insert, select
from sqlalchemy.exc import IntegrityError

from orchestrator.db.bulk import duplicate, insert_rows
from orchestrator.db.tables import alert_revisions, notices, order_frames
from orchestrator.errors import Conflict
from orchestrator.notices.model import NoticeKind, NoticeRecord

_ORDER_PARTS = select(notices.c.uscc, notices.c.body).where(
    notices.c.revision_id == bindparam("revision_id"),
    notices.c.kind == NoticeKind.ORDER.value,
    notices.c.uscc.in_(bindparam("usccs", expanding=True)),
)


class NoticeStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def count(self, revision_id: int, kind: NoticeKind | None = None) -> int:
        query = (
            select(func.count()).select_from(notices).where(notices.c.revision_id == revision_id)
        )
        if kind is not None:
            query = query.where(notices.c.kind == kind.value)
        return int(self.conn.execute(query).scalar() or 0)

    def unrendered_alerts(self) -> list[int]:
        """Alerts whose newest issued revision has no stored notice (issued, then the process
        or its connection died before the notices were stored)."""
        r = alert_revisions.c
        newest = (
            select(r.alert_id, func.max(r.id).label("revision_id"))
            .where(r.document_number.is_not(None))
            .group_by(r.alert_id)
            .subquery()
        )
        return list(
            self.conn.execute(
                select(newest.c.alert_id)
                .where(~exists().where(notices.c.revision_id == newest.c.revision_id))
                .order_by(newest.c.alert_id)
            ).scalars()
        )

    def documents(self, revision_id: int) -> list[NoticeRecord]:
        rows = self.conn.execute(
            select(notices.c.kind, notices.c.uscc, notices.c.filename, notices.c.body).where(
                notices.c.revision_id == revision_id,
                notices.c.kind.not_in((NoticeKind.ORDER.value, NoticeKind.TASK.value)),
            )
        ).all()
        return [NoticeRecord(NoticeKind(k), u, f, b) for k, u, f, b in rows]

    def tasks(self, revision_id: int, units: Collection[str] = ()) -> list[NoticeRecord]:
        query = (
            select(notices.c.uscc, notices.c.filename, notices.c.body)
            .where(notices.c.revision_id == revision_id, notices.c.kind == NoticeKind.TASK.value)
            .order_by(notices.c.id)
        )
        if units:
            query = query.where(notices.c.uscc.in_(sorted(units)))
        return [
            NoticeRecord(NoticeKind.TASK, u, f, b) for u, f, b in self.conn.execute(query).all()
        ]

    def add(
        self,
        revision_id: int,
        records: Iterable[tuple[str, str, str, str]],
        *,
        created_at: dt.datetime,
    ) -> None:
        try:
            insert_rows(
                self.conn,
                notices,
                ("kind", "uscc", "filename", "body"),
                records,
                constants={"revision_id": revision_id, "created_at": created_at},
            )
        except IntegrityError as exc:
            if not duplicate(exc):
                raise
            raise Conflict(f"预警修订{revision_id}的通知已生成") from exc

    def add_frame(self, revision_id: int, prefix: str, suffix: str) -> None:
        try:
            self.conn.execute(
                insert(order_frames).values(revision_id=revision_id, prefix=prefix, suffix=suffix)
            )
        except IntegrityError as exc:
            if not duplicate(exc):
                raise
            raise Conflict(f"预警修订{revision_id}的通知已生成") from exc

    def frame(self, revision_id: int) -> tuple[str, str]:
        found = self.conn.execute(
            select(order_frames.c.prefix, order_frames.c.suffix).where(
                order_frames.c.revision_id == revision_id
            )
        ).first()
        return (str(found[0]), str(found[1])) if found is not None else ("", "")

    def orders(
        self, revision_id: int, uscc: Collection[str] = (), batch: int = 1_000
    ) -> Iterator[NoticeRecord]:
        query = (
            select(notices.c.uscc, notices.c.filename, notices.c.body)
            .where(notices.c.revision_id == revision_id, notices.c.kind == NoticeKind.ORDER.value)
            .order_by(notices.c.uscc)
        )
        if uscc:
            query = query.where(notices.c.uscc.in_(sorted(uscc)))
        prefix, suffix = self.frame(revision_id)
        for u, filename, part in self.conn.execute(query.execution_options(yield_per=batch)):
            yield NoticeRecord(NoticeKind.ORDER, u, filename, prefix + part + suffix)

    def ordered(self, revision_id: int, among: Collection[str] = ()) -> list[str]:
        query = (
            select(notices.c.uscc)
            .where(notices.c.revision_id == revision_id, notices.c.kind == NoticeKind.ORDER.value)
            .order_by(notices.c.uscc)
        )
        if among:
            query = query.where(notices.c.uscc.in_(sorted(among)))
        return list(self.conn.execute(query).scalars())

    def tasks_of(self, revision_id: int, codes: Collection[str]) -> list[str]:
        return list(
            self.conn.execute(
                select(notices.c.uscc).where(
                    notices.c.revision_id == revision_id,
                    notices.c.kind == NoticeKind.TASK.value,
                    notices.c.uscc.in_(sorted(codes)),
                )
            ).scalars()
        )

    def tasked(self, revision_id: int) -> list[str]:
        return list(
            self.conn.execute(
                select(notices.c.uscc)
                .where(
                    notices.c.revision_id == revision_id, notices.c.kind == NoticeKind.TASK.value
                )
                .order_by(notices.c.id)
            ).scalars()
        )

    def order_parts(self, revision_id: int, uscc: Collection[str]) -> dict[str, str]:
        found = self.conn.execute(_ORDER_PARTS, {"revision_id": revision_id, "usccs": list(uscc)})
        return {str(u): str(body) for u, body in found}
