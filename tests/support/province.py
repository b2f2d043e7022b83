"""A provincial installation for the tests: the province on the test's database, each of its
three sample cities on a database of its own (a SQLite file, or a PostgreSQL schema of this
run), the clock fixed on the eve of the sample episode."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine

from orchestrator.bootstrap import Context, bootstrap
from orchestrator.clock import Clock, FixedClock
from orchestrator.db.database import make_engine, migrate
from orchestrator.db.uow import Database
from orchestrator.settings import Settings
from tests.support.base import at
from tests.support.databases import reset_tenant_schema, tenant_schema_url

PROVINCE = "990000"
CITIES = ("999900", "990100", "990200")


@contextlib.contextmanager
def provincial(
    engine: Engine, tmp_path: Path, clock: Clock | None = None, **settings: object
) -> Iterator[Context]:
    cities: dict[str, Database] = {}
    engines = []
    for code in CITIES:
        if engine.dialect.name == "sqlite":
            eng = make_engine(f"sqlite:///{tmp_path / f'city-{code}.db'}")
        else:
            eng = make_engine(tenant_schema_url(code))
            reset_tenant_schema(eng, code)
        migrate(eng)
        engines.append(eng)
        cities[code] = Database(eng)
    context = bootstrap(
        Settings(serves=PROVINCE, data_dir=tmp_path / "data", **settings),  # type: ignore[arg-type]
        clock=clock or FixedClock(at(4, 9)),
    )
    try:
        yield context.on(Database(engine)).on_cities(cities)
    finally:
        for eng in engines:
            eng.dispose()
