"""Coverage check tasks and their answers in the database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, delete, exists, insert, select, tuple_, update

from orchestrator.checks.model import Answer, Item, Task
from orchestrator.db.coverage import run_of
from orchestrator.db.tables import coverage_answers, coverage_runs, coverage_tasks, deliveries
from orchestrator.emissions.registries import CoverageRun, Registry


def _answer(r: Any) -> Answer:
    return Answer.of(r._mapping)


class CheckStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def run(self, region: str, coverage_id: int) -> tuple[CoverageRun, dt.datetime | None] | None:
        """The area's run ``coverage_id`` and when its tasks were issued (None: not yet)."""
        row = self.conn.execute(
            select(coverage_runs).where(
                coverage_runs.c.id == coverage_id, coverage_runs.c.region_code == region
            )
        ).first()
        return None if row is None else (run_of(row), row.tasked_at)

    def previous(self, region: str, run: CoverageRun) -> int | None:
        """The run of the same registry before ``run`` whose tasks were issued."""
        t = coverage_runs.c
        return self.conn.execute(
            select(t.id)
            .where(
                t.region_code == region,
                t.registry == run.registry.value,
                t.id < run.id,
                t.tasked_at.is_not(None),
            )
            .order_by(t.id.desc())
            .limit(1)
        ).scalar()

    def take(self, coverage_id: int, now: dt.datetime, by: str) -> bool:
        """Mark the run's tasks as issued; False if they were already (by anyone)."""
        t = coverage_runs.c
        done = self.conn.execute(
            update(coverage_runs)
            .where(t.id == coverage_id, t.tasked_at.is_(None))
            .values(tasked_at=now, tasked_by=by)
        )
        return done.rowcount == 1

    def add(self, tasks: Iterable[tuple[Task, str]]) -> int:
        """Keep each task with its document as sent."""
        rows = [
            {
                "coverage_id": t.coverage_id,
                "uscc": t.uscc,
                "unit_id": t.unit_id,
                "unit_name": t.unit_name,
                "items": [i.as_dict() for i in t.items],
                "body": body,
                "issued_at": t.issued_at,
                "deadline": t.deadline,
            }
            for t, body in tasks
        ]
        if rows:
            self.conn.execute(insert(coverage_tasks), rows)
        return len(rows)

    def tasks(self, coverage_id: int, codes: Sequence[str] | None = None) -> list[Task]:
        """The run's tasks (of the units ``codes``, if given) with their answers, by id."""
        t = coverage_tasks.c
        q = (
            select(coverage_tasks, coverage_runs.c.registry)
            .join(coverage_runs, coverage_runs.c.id == t.coverage_id)
            .where(t.coverage_id == coverage_id)
        )
        if codes is not None:
            q = q.where(t.uscc.in_(list(codes)))
        rows = self.conn.execute(q.order_by(t.id)).all()
        answers = self.answers(coverage_id)
        out = []
        for r in rows:
            items = tuple(Item.of(i) for i in r.items)
            idents = {i.ident for i in items}
            out.append(
                Task(
                    coverage_id=coverage_id,
                    registry=Registry(r.registry),
                    uscc=r.uscc,
                    unit_id=r.unit_id,
                    unit_name=r.unit_name,
                    items=items,
                    issued_at=r.issued_at,
                    deadline=r.deadline,
                    answers=tuple(a for a in answers if a.ident in idents),
                )
            )
        return out

    def overdue(self, region: str, now: dt.datetime) -> list[Task]:
        """The area's tasks past their deadline that were not chased yet (no reminder in the
        outbox), with their answers: the caller keeps those not fully answered."""
        t, d = coverage_tasks.c, deliveries.c
        rows = self.conn.execute(
            select(t.coverage_id, t.uscc)
            .join(coverage_runs, coverage_runs.c.id == t.coverage_id)
            .where(
                coverage_runs.c.region_code == region,
                t.deadline <= now,
                ~exists().where(
                    d.coverage_id == t.coverage_id,
                    d.recipient == t.uscc,
                    d.reason == "escalation",
                ),
            )
            .order_by(t.coverage_id, t.id)
        ).all()
        by_run: dict[int, list[str]] = {}
        for r in rows:
            by_run.setdefault(r.coverage_id, []).append(r.uscc)
        return [task for run, codes in by_run.items() for task in self.tasks(run, codes)]

    def body(self, coverage_id: int, code: str) -> tuple[str, dt.datetime] | None:
        """The unit's task as sent, and when it was issued."""
        t = coverage_tasks.c
        row = self.conn.execute(
            select(t.body, t.issued_at).where(t.coverage_id == coverage_id, t.uscc == code)
        ).first()
        return None if row is None else (row.body, row.issued_at)

    def answers(self, coverage_id: int) -> list[Answer]:
        a = coverage_answers.c
        rows = self.conn.execute(
            select(a.kind, a.key, a.outcome, a.note, a.signer, a.answered_at, a.uscc)
            .where(a.coverage_id == coverage_id)
            .order_by(a.id)
        )
        return [_answer(r) for r in rows]

    def answer(self, coverage_id: int, answers: Sequence[Answer]) -> None:
        """Keep the answers, each replacing an earlier answer to the same finding."""
        a = coverage_answers.c
        self.conn.execute(
            delete(coverage_answers).where(
                a.coverage_id == coverage_id,
                tuple_(a.kind, a.key).in_([(x.kind.value, x.key) for x in answers]),
            )
        )
        self.conn.execute(
            insert(coverage_answers),
            [
                {
                    "coverage_id": coverage_id,
                    "uscc": x.uscc,
                    "kind": x.kind.value,
                    "key": x.key,
                    "outcome": x.outcome.value,
                    "note": x.note,
                    "signer": x.signer,
                    "answered_at": x.answered_at,
                }
                for x in answers
            ],
        )
