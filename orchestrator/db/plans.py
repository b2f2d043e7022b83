"""Frozen plans (the ``PlanStore`` ports of response, notices and delivery): where an alert
revision's plan is kept, read whole, by chunk, by mode or as the recipients of its orders; and a
control round's entries, read the same way."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Connection, Table, Text, bindparam, cast, func, select

from orchestrator.alerts.model import AlertLevel
from orchestrator.db.negotiations import NegotiationStore
from orchestrator.db.tables import (
    alert_revisions,
    alerts,
    control_round_entries,
    list_plan_entries,
    list_plans,
    plan_entries,
)
from orchestrator.delivery.model import Recipient, Subject
from orchestrator.emissions.plans import RosterEntry, level_record
from orchestrator.notices.model import PlanChunk

#: More chosen USCCs than this are read by reading everything (bound parameters are limited).
_MAX_CHOSEN = 5_000


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
    # USCC → the revision's negotiated reductions (协商减排) of that enterprise
    negotiated: Mapping[str, list[dict[str, Any]]] = field(default_factory=dict)

    def entry(self, record: dict[str, Any]) -> dict[str, Any]:
        """A stored record as the level's plan entry (``entry_record`` shape), with the
        revision's negotiated reductions of the enterprise (``negotiated``) where it has any."""
        out = record if self.level is None else level_record(record, self.level)
        agreed = self.negotiated.get(out["uscc"])
        return {**out, "negotiated": agreed} if agreed else out

    @classmethod
    def of_list_plan(cls, conn: Connection, plan_id: int) -> PlanSource:
        revision_id, level = conn.execute(
            select(list_plans.c.revision_id, list_plans.c.level).where(list_plans.c.id == plan_id)
        ).one()
        t = list_plan_entries
        return cls(t, t.c.revision_id == revision_id, t.c.position, AlertLevel(level))

    @classmethod
    def of(cls, conn: Connection, revision_id: int) -> PlanSource:
        plan_id, level, counties = conn.execute(
            select(alert_revisions.c.plan_id, alert_revisions.c.level, alerts.c.counties)
            .join(alerts, alerts.c.id == alert_revisions.c.alert_id)
            .where(alert_revisions.c.id == revision_id)
        ).one()
        agreed: dict[str, list[dict[str, Any]]] = {}
        for item in NegotiationStore(conn).of_revision(revision_id):
            agreed.setdefault(item.agreement.uscc, []).append(item.plan_item())
        if plan_id is not None:
            source = dataclasses.replace(cls.of_list_plan(conn, plan_id), negotiated=agreed)
            if counties:  # an alert of named counties: their enterprises alone
                area = source.where & list_plan_entries.c.county.in_(list(counties))
                source = dataclasses.replace(source, where=area)
            if AlertLevel(level).colour:
                return source
            # the 不利气象条件应对 band: only the enterprises that agreed, with no list measure
            # (their records are the list's, which the revision's plan_id points at)
            where = source.where & source.table.c.uscc.in_(sorted(agreed))
            return dataclasses.replace(source, where=where, level=AlertLevel.ADVERSE)
        t = plan_entries
        return cls(t, t.c.revision_id == revision_id, t.c.id, None, agreed)


def _same(record: dict[str, Any]) -> dict[str, Any]:
    return record


_ROUND_PARTS = select(control_round_entries.c.uscc, control_round_entries.c.body).where(
    control_round_entries.c.round_id == bindparam("round_id"),
    control_round_entries.c.uscc.in_(bindparam("usccs", expanding=True)),
)


class PlanStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def _count(self, source: PlanSource) -> int:
        return int(
            self.conn.execute(
                select(func.count()).select_from(source.table).where(source.where)
            ).scalar()
            or 0
        )

    def size(self, revision_id: int) -> int:
        return self._count(PlanSource.of(self.conn, revision_id))

    def list_plan_size(self, plan_id: int) -> int:
        return self._count(PlanSource.of_list_plan(self.conn, plan_id))

    def records(self, revision_id: int) -> list[dict[str, Any]]:
        source = PlanSource.of(self.conn, revision_id)
        return [
            source.entry(rec)
            for rec in self.conn.execute(
                select(source.table.c.record).where(source.where).order_by(source.ordinal)
            ).scalars()
        ]

    def reporters(self, revision_id: int, batch: int = 2_000) -> Iterator[RosterEntry]:
        """Each enterprise of the revision's frozen plan as a daily reporter, in plan order:
        read straight from the stored record, without building the level's whole entry (a
        day's roll-up reads 100,000 of them)."""
        source = PlanSource.of(self.conn, revision_id)
        t = source.table
        level = source.level
        query = select(cast(t.c.record, Text)).where(source.where).order_by(source.ordinal)
        for (text,) in self.conn.execute(query.execution_options(yield_per=batch)):
            r = orjson.loads(text)
            if level is None:  # one level's entries already
                lines = [(ln["name"], m["text"]) for ln in r["lines"] if (m := ln["measure"])]
            elif not level.colour:  # the band: no list measure
                lines = []
            else:
                lv = level.value
                lines = [(ln["name"], m["text"]) for ln in r["lines"] if (m := ln["measures"][lv])]
            yield RosterEntry(
                r["uscc"], r["name"], r["county"], r.get("town") or "", r.get("contact") or "",
                r.get("phone") or "", r["mode"], lines, r.get("grade") or "",
            )  # fmt: skip

    def ordinals(self, revision_id: int) -> list[int]:
        source = PlanSource.of(self.conn, revision_id)
        return list(
            self.conn.execute(
                select(source.ordinal).where(source.where).order_by(source.ordinal)
            ).scalars()
        )

    def chunk(self, chunk: PlanChunk) -> list[tuple[str, dict[str, Any]]]:
        """(USCC, plan entry) in plan order (records decoded here, by orjson, not per row by the
        driver: this runs in the render workers)."""
        source = PlanSource.of(self.conn, chunk.revision_id)
        t = source.table
        return [
            (uscc, source.entry(orjson.loads(record)))
            for uscc, record in self.conn.execute(
                select(t.c.uscc, cast(t.c.record, Text))
                .where(source.where, source.ordinal.between(chunk.first, chunk.last))
                .order_by(source.ordinal)
            )
        ]

    def _by_mode(self, source: PlanSource) -> dict[str, int]:
        return {
            str(mode): int(n)
            for mode, n in self.conn.execute(
                select(source.table.c.mode, func.count())
                .where(source.where)
                .group_by(source.table.c.mode)
            )
        }

    def by_mode(self, revision_id: int) -> dict[str, int]:
        return self._by_mode(PlanSource.of(self.conn, revision_id))

    def list_by_mode(self, plan_id: int, counties: Collection[str] = ()) -> dict[str, int]:
        source = PlanSource.of_list_plan(self.conn, plan_id)
        if counties:  # an alert of named counties: their enterprises alone
            area = source.where & list_plan_entries.c.county.in_(sorted(counties))
            source = dataclasses.replace(source, where=area)
        return self._by_mode(source)

    def _records(self, subject: Subject, uscc: Collection[str]) -> Iterator[tuple[str, Any, Any]]:
        """(USCC, JSON text, decoder) of the subject's recipients in order."""
        if subject.revision_id is not None:
            source = PlanSource.of(self.conn, subject.revision_id)
            t, where, ordinal, entry = source.table, source.where, source.ordinal, source.entry
        else:
            t = control_round_entries
            where, ordinal = t.c.round_id == subject.round_id, t.c.position
            entry = _same
        query = select(t.c.uscc, cast(t.c.record, Text)).where(where).order_by(ordinal)
        chosen = set(uscc)
        if chosen and len(chosen) <= _MAX_CHOSEN:
            query = query.where(t.c.uscc.in_(sorted(chosen)))
        for u, record in self.conn.execute(query):
            if not chosen or u in chosen:
                yield u, record, entry

    def entries(self, subject: Subject, uscc: Collection[str] = ()) -> Iterator[dict[str, Any]]:
        for _, record, entry in self._records(subject, uscc):
            yield entry(orjson.loads(record))

    def recipients(self, subject: Subject, uscc: Collection[str] = ()) -> Iterator[Recipient]:
        # only the contact fields are needed: the level's entry is not built
        for u, record, _ in self._records(subject, uscc):
            rec = orjson.loads(record)
            yield Recipient(
                uscc=u,
                name=rec["name"],
                county=rec["county"],
                phone=rec.get("phone") or "",
                email=rec.get("email") or "",
                channel=rec.get("channel") or "",
                contact=rec.get("contact") or "",
            )

    def round_parts(self, round_id: int, uscc: Collection[str]) -> dict[str, str]:
        found = self.conn.execute(_ROUND_PARTS, {"round_id": round_id, "usccs": list(uscc)})
        return {str(u): str(body) for u, body in found}
