"""The effect assessment as bootstrap wires it, on a test's database."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine

from orchestrator.alerts.model import AlertLevel
from orchestrator.assessment.electricity import read_csv
from orchestrator.assessment.service import Assessor, ObservationSource
from orchestrator.delivery.model import Scope
from orchestrator.response.model import Draft, RevisionKind
from tests.support.app import DUTY, SAMPLE, VICE, app, do_import, meters, office_of, receipts
from tests.support.base import ROOT, ZONE, at
from tests.support.consultation import config, consultant, forecast_doc, write_json
from tests.support.delivery import Clock, delivery_config, make_worker

ISSUED = at(4, 18)
GLASS = "示例市永安玻璃有限公司"  # its limited line drew 95 % of its baseline (sample readings)


def assessor(
    engine: Engine, *, monitoring: ObservationSource | None = None, **replaced: Any
) -> Assessor:
    """The assessment; observations come from ``monitoring`` only (none: no source at all)."""
    found = app(engine, **replaced).assessor(monitoring=monitoring)
    found.monitoring = monitoring
    return found


def episode(engine: Any, tmp_path: Any) -> dict[str, Any]:
    """The sample episode as the office would run it; what the assertions need to know."""
    do_import(engine, SAMPLE)
    first = consultant(engine, config(), tmp_path).consult(slot=at(4, 16), now=at(4, 16))
    alert_id = first.alert_id
    assert alert_id is not None
    office_of(engine).submit(alert_id, by=DUTY, now=at(4, 16) + dt.timedelta(minutes=20))
    office_of(engine).approve(alert_id, by=VICE, now=at(4, 17))
    issued = office_of(engine).issue(alert_id, by=DUTY, now=ISSUED)
    issued, _ = issued.revision, issued.warnings
    revision_id = issued.revision_id
    cfg = delivery_config({"folder": {"kind": "folder", "path": str(tmp_path / "outbox")}})
    worker = make_worker(engine, cfg, Clock(ISSUED + dt.timedelta(minutes=5)), tmp_path)
    worker.housekeeping()
    worker.drain()

    entries = office_of(engine).frozen_plan(revision_id)
    listed = [e for e in entries if e["mode"] == "list" and e["lines"] and e["name"] != GLASS]
    glass, lagging, late = next(e for e in entries if e["name"] == GLASS), listed[0], listed[1]
    scope = Scope(alert_id=alert_id)
    for e in (glass, lagging):
        receipts(engine).acknowledge(scope, e["uscc"], revision_id, signer="值班员", now=at(4, 19))
    receipts(engine).acknowledge(scope, late["uscc"], revision_id, signer="值班员", now=at(4, 23))
    receipts(engine).report(scope, glass["uscc"], revision_id,
        done=[True] * len(glass["lines"]), notes=[""] * len(glass["lines"]), note="", now=at(6, 9),
    )  # fmt: skip
    lines = len(lagging["lines"])
    receipts(engine).report(scope, lagging["uscc"], revision_id,
        done=[False] + [True] * (lines - 1), notes=["设备检修，未能停产"] + [""] * (lines - 1),
        note="", now=at(6, 9),
    )  # fmt: skip

    # the consultation of 6 Jan on a newer forecast: the orange alert holds
    drop = tmp_path / "drop"
    drop.mkdir()
    write_json(
        drop / "f.json",
        forecast_doc(at(6, 8), [262, 214, 170, 120, 90], first=at(6).date()),
    )
    consultant(engine, config(folder=drop), tmp_path).consult(slot=at(6, 16), now=at(6, 16))

    lift = office_of(engine).draft(
        Draft(
            kind=RevisionKind.LIFT,
            level=AlertLevel.ORANGE,
            start=at(8, 12),
            end=None,
            reason="空气质量已改善，达到解除条件",
            alert_id=alert_id,
        ),
        by=DUTY,
        now=at(8, 10),
    )
    office_of(engine).submit(alert_id, by=DUTY, now=at(8, 10))
    office_of(engine).approve(alert_id, by=VICE, now=at(8, 11))
    issued = office_of(engine).issue(alert_id, by=DUTY, now=at(8, 11))
    lifted, _ = issued.revision, issued.warnings
    assert lift.alert_id == alert_id
    meters(engine).store(read_csv(ROOT / "samples" / "electricity_hourly.csv", ZONE))
    return {
        "alert_id": alert_id,
        "revision_id": revision_id,
        "lift": lifted,
        "glass": glass,
        "lagging": lagging,
        "late": late,
        "orders": len(entries),
    }
