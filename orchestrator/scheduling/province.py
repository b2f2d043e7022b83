"""The scheduler of a provincial installation: every city's heartbeat (its consultations,
controls, daily dispatch and report-back to the province, on the city's own database) in one
scheduler, and the province's own jobs on the province's database — each 调度令 issued or lifted
handed to its cities, and the cities that owe a report chased (once a day per order and city).
Each job's slot is claimed in the run history of the database it works on, so two schedulers on
one PostgreSQL never both run one."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

from orchestrator.bootstrap import Context
from orchestrator.clock import Clock
from orchestrator.region.service import ProvincialOffice
from orchestrator.scheduling.heartbeat import (
    CATCH_UP_MINUTES,
    Claims,
    Heartbeat,
    RunResult,
    heartbeat_of,
    runner_name,
    slot_of,
)
from orchestrator.scheduling.ports import RunUnitOfWork

log = logging.getLogger(__name__)

#: Orders issued or lifted are handed to the cities (again, if one was unreachable) this often.
FORWARD_MINUTES = 5
#: The cities owing a report are looked for this often (each chased once a day).
CHASE_MINUTES = 30


class ProvinceBeat(Claims):
    def __init__(
        self,
        uow: Callable[[], RunUnitOfWork],
        office: ProvincialOffice,
        cities: Mapping[str, Heartbeat],
        *,
        zone: ZoneInfo,
        clock: Clock,
        lease_seconds: int,
        runner: str | None = None,
        on_run: Callable[[RunResult], None] | None = None,
    ) -> None:
        self.uow, self.office, self.cities = uow, office, cities
        self.zone, self.clock, self.lease_seconds = zone, clock, lease_seconds
        self.runner = runner or runner_name()
        self.on_run = on_run

    def triggers(self) -> dict[str, BaseTrigger]:
        out: dict[str, BaseTrigger] = {}
        for beat in self.cities.values():
            out.update({beat.prefix + job: t for job, t in beat.triggers().items()})
        return out

    def install(self, scheduler: BaseScheduler) -> None:
        for beat in self.cities.values():
            beat.install(scheduler)
        self.beat()
        scheduler.add_job(
            self.run_province,
            trigger=IntervalTrigger(minutes=CATCH_UP_MINUTES, timezone=self.zone),
            id="province:directives",
            name="调度令送达各市、督办逾期未报的市",
            coalesce=True,
            max_instances=1,
            replace_existing=True,
        )

    def run_due(self, *, report_taken: bool = True) -> list[RunResult]:
        out: list[RunResult] = []
        for beat in self.cities.values():
            out += beat.run_due(report_taken=report_taken)
        return out + self.run_province()

    def catch_up(self) -> None:
        for beat in self.cities.values():
            try:
                beat.catch_up()
            except Exception:  # one city's failure stops no other city's round
                log.exception("catch-up of %s failed", beat.prefix)
        self.beat()
        self.run_province()

    def run_province(self) -> list[RunResult]:
        """The province's jobs due now: hand over, chase."""
        return [r for r in (self.forward(), self.chase()) if r is not None]

    def forward(self) -> RunResult | None:
        now = self.clock.now()
        slot = slot_of(now, FORWARD_MINUTES, self.zone)
        job = "directive:forward"
        if not self._claim(job, slot, now):
            return None
        try:
            done = self.office.forward(now)
        except Exception as exc:
            log.exception("handing orders over at %s failed", slot)
            return self._finish(RunResult(job, slot, "failed", f"{type(exc).__name__}: {exc}"))
        if not done:
            return self._finish(RunResult(job, slot, "skipped", "无待送达的调度令"))
        failed = [f for f in done if not f.done]
        detail = f"送达{len(done) - len(failed)}份" + (
            f"，{len(failed)}份未能送达（下次再送）" if failed else ""
        )
        return self._finish(RunResult(job, slot, "failed" if failed else "done", detail))

    def chase(self) -> RunResult | None:
        now = self.clock.now()
        slot = slot_of(now, CHASE_MINUTES, self.zone)
        job = "directive:chase"
        if not self._claim(job, slot, now):
            return None
        try:
            chased = self.office.chase(now)
        except Exception as exc:
            log.exception("chasing at %s failed", slot)
            return self._finish(RunResult(job, slot, "failed", f"{type(exc).__name__}: {exc}"))
        if not chased:
            return self._finish(RunResult(job, slot, "skipped", "无逾期未报的市"))
        names = "、".join(
            f"{self.office.city_name(city)}（{'、'.join(owed)}）" for _, city, owed in chased
        )
        return self._finish(RunResult(job, slot, "done", f"督办{len(chased)}个市：{names}"))

    def history(self, limit: int = 50) -> list[dict[str, Any]]:
        rows = super().history(limit)
        for code, beat in self.cities.items():
            rows += [{**r, "job": f"{code}:{r['job']}"} for r in beat.history(limit)]
        epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
        return sorted(rows, key=lambda r: r["slot"] or epoch, reverse=True)[:limit]


def province_beat_of(
    context: Context, on_run: Callable[[RunResult], None] | None = None
) -> ProvinceBeat:
    """A provincial installation's scheduler: each city's heartbeat and the province's jobs."""
    cities = {
        code: heartbeat_of(context.city_context(code), on_run=on_run, prefix=f"{code}:")
        for code in context.city_codes()
    }
    return ProvinceBeat(
        context.database(),
        context.province_office(),
        cities,
        zone=context.settings.zone,
        clock=context.clock,
        lease_seconds=context.consultation.schedule.lease_seconds,
        on_run=on_run,
    )
