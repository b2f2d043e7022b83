"""The use cases as ``bootstrap`` wires them, on a test's database: the shipped configuration,
the tests' link key, and alerts issued over the sample list."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from orchestrator.accounts.config import Policy
from orchestrator.accounts.service import Accounts
from orchestrator.alerts.model import AlertLevel
from orchestrator.assessment.electricity import Meters
from orchestrator.bootstrap import Context, bootstrap
from orchestrator.clock import Clock
from orchestrator.db.uow import Database
from orchestrator.delivery.config import Compliance, DeliveryConfig
from orchestrator.delivery.outbox import Outbox
from orchestrator.delivery.receipts import Receipts
from orchestrator.emissions.model import CityProfile, EmissionList
from orchestrator.emissions.service import ImportResult
from orchestrator.notices.service import NoticeService
from orchestrator.response.model import Approval, Draft, RevisionKind
from orchestrator.response.service import CommandOffice
from orchestrator.settings import Settings
from tests.support.base import LINK_SECRET, ROOT, at

#: The installation as shipped, with the tests' link key (loaded once).
BASE = bootstrap(Settings(link_secret=LINK_SECRET))
CITY = BASE.city
RESPONSE = BASE.response
OFFICE = BASE.office
BOOK = BASE.measures
#: The sample network's units (config/network.toml): every one has a duty at orange, so the
#: sample's orange alert sends each a task notice — delivered beside the 300 orders.
UNITS = len(BASE.network.units) if BASE.network is not None else 0
DUTY = RESPONSE.person("张值班")
DUTY2 = RESPONSE.person("李值班")
VICE = RESPONSE.person("王副市长")
MAYOR = RESPONSE.person("赵市长")
REGION = CITY.region_code

SAMPLE = ROOT / "emission_lists" / "sample_list.xlsx"
TEMPLATE = ROOT / "emission_lists" / "template.xlsx"
IMPORTED_AT = dt.datetime(2025, 9, 20, 10, tzinfo=BASE.settings.zone)
OCT = dt.date(2025, 10, 1)
NOW = at(4, 20)  # 28 h before the orange start at 6 Jan 00:00: no lead-time warning
ISSUED_AT = at(4, 21)


def app(
    engine: Engine | None = None,
    *,
    clock: Clock | None = None,
    data_dir: Path | None = None,
    **replaced: Any,
) -> Context:
    """The shipped context on ``engine`` (as ``Context.on`` binds it), its clock, data folder
    and any of its configuration values replaced."""
    ctx = BASE
    if data_dir is not None:
        ctx = dataclasses.replace(
            ctx, settings=ctx.settings.model_copy(update={"data_dir": data_dir})
        )
    if clock is not None:
        replaced["clock"] = clock
    if replaced:
        ctx = dataclasses.replace(ctx, **replaced)
    if engine is not None:
        ctx = ctx.on(Database(engine))
    return ctx


def office_of(engine: Engine, city: CityProfile = CITY) -> CommandOffice:
    """The command office on ``engine`` (of ``city``, its targets, if given)."""
    return app(engine, city=city).alerts()


def do_import(
    engine: Engine, path: Path = SAMPLE, effective: dt.date = OCT, dry_run: bool = False
) -> ImportResult:
    return (
        app(engine)
        .lists()
        .import_list(
            path, effective_from=effective, now=IMPORTED_AT, by="测试导入", dry_run=dry_run
        )
    )


def load_list(engine: Engine, number: int) -> EmissionList:
    """Revision ``number`` of the list, as stored."""
    return app(engine).lists().revision(number)[1]


def draft_orange(engine: Engine, city: CityProfile = CITY) -> int:
    """An orange alert for 6–9 January, drafted and submitted by the duty officer."""
    draft = Draft(
        kind=RevisionKind.ISSUE,
        level=AlertLevel.ORANGE,
        start=at(6),
        end=at(9),
        reason="会商研判：6日起持续重污染",
    )
    return office_of(engine, city).draft(draft, by=DUTY, now=NOW, submit=True).alert_id


def issued_orange(engine: Engine, city: CityProfile = CITY) -> tuple[int, Approval]:
    """That alert approved by the vice-mayor: (alert id, approval)."""
    alert_id = draft_orange(engine, city)
    approval = office_of(engine, city).approve(alert_id, by=VICE, now=NOW)
    return alert_id, approval


def issue_sample(engine: Engine, path: Path = SAMPLE) -> tuple[int, int]:
    """The sample list's (or ``path``'s) orange alert issued at 4 Jan 21:00 with its orders
    stored: (alert id, revision id)."""
    do_import(engine, path)
    alert_id, _ = issued_orange(engine)
    issued = office_of(engine).issue(alert_id, by=DUTY, now=ISSUED_AT)
    return alert_id, issued.notices.revision_id


def receipts(engine: Engine) -> Receipts:
    return app(engine).receipts()


def outbox(engine: Engine, config: DeliveryConfig | None = None) -> Outbox:
    return app(engine).outbox(config)


def notices(engine: Engine) -> NoticeService:
    return app(engine).notices()


def meters(engine: Engine, compliance: Compliance | None = None) -> Meters:
    ctx = app(engine)
    if compliance is not None:
        ctx = dataclasses.replace(
            ctx, delivery=dataclasses.replace(ctx.delivery, compliance=compliance)
        )
    return ctx.meters()


def accounts(engine: Engine, policy: Policy | None = None) -> Accounts:
    ctx = app(engine)
    if policy is not None:
        ctx = dataclasses.replace(ctx, console=dataclasses.replace(ctx.console, policy=policy))
    return ctx.accounts()
