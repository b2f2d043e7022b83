"""The unit of work is one transaction on both databases: what a savepoint wrote is kept only if
the whole unit commits, and a savepoint rolled back takes only its own writes with it. On SQLite
the savepoint may be the first statement (the driver opens no transaction before it)."""

from __future__ import annotations

import datetime as dt

import pytest

from orchestrator.audit.model import AuditAction, AuditEntry
from orchestrator.db.uow import UnitOfWork

AT = dt.datetime(2026, 1, 4, 12, 0, tzinfo=dt.UTC)


def entry(actor: str) -> AuditEntry:
    return AuditEntry(at=AT, actor=actor, action=AuditAction.SIGN_IN)


def actors(engine) -> list[str]:
    with UnitOfWork(engine) as uow:
        return sorted(e.actor for e in uow.audit.entries(limit=100)[0])


def test_a_released_savepoint_is_undone_when_the_unit_is_not_committed(engine):
    with UnitOfWork(engine) as uow:
        with uow.savepoint():  # the first statement of the transaction
            uow.audit.record(entry("甲"))
        assert [e.actor for e in uow.audit.entries(limit=10)[0]] == ["甲"]
    assert actors(engine) == []


def _fail_after_a_savepoint(engine) -> None:
    with UnitOfWork(engine) as uow:
        with uow.savepoint():
            uow.audit.record(entry("甲"))
        uow.audit.record(entry("乙"))
        raise ArithmeticError("the use case fails")


def test_a_failure_after_the_savepoint_rolls_everything_back(engine):
    with pytest.raises(ArithmeticError):
        _fail_after_a_savepoint(engine)
    assert actors(engine) == []


def test_a_savepoint_rolled_back_keeps_the_rest_of_the_unit(engine):
    with UnitOfWork(engine) as uow:
        uow.audit.record(entry("甲"))
        try:
            with uow.savepoint():
                uow.audit.record(entry("乙"))
                raise KeyError("x")
        except KeyError:
            pass
        uow.audit.record(entry("丙"))
        uow.commit()
    assert actors(engine) == ["丙", "甲"]
